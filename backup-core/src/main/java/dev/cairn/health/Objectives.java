package dev.cairn.health;

import java.time.Duration;
import java.util.Objects;

/**
 * Recovery objectives and anomaly thresholds that health grading measures against. Immutable and
 * thread-safe.
 *
 * <pre>{@code
 * Objectives o = Objectives.builder().rpo(Duration.ofHours(26)).rto(Duration.ofMinutes(30))
 *         .sizeChange(0.30).slowerThan(2.0).build();
 * }</pre>
 *
 * @param rpo        recovery-point objective: the newest restorable backup must be younger (default 26 h)
 * @param rto        recovery-time objective: a drill's restore must be faster (default 1 h)
 * @param sizeChange a snapshot whose size differs from the median of the recent ones by more than this
 *                   fraction is an anomaly (default 0.30)
 * @param slowerThan a run taking more than this multiple of the median of recent runs is slow (default 2)
 * @param lateFactor a backup is late when its newest success is older than the job's interval times
 *                   this (default 1.25: room for the run itself)
 * @param recent     how many earlier snapshots and runs make "recent" (default 10)
 */
public record Objectives(Duration rpo, Duration rto, double sizeChange, double slowerThan, double lateFactor,
                         int recent) {
    public Objectives {
        Objects.requireNonNull(rpo, "rpo");
        Objects.requireNonNull(rto, "rto");
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The defaults. */
    public static Objectives defaults() {
        return builder().build();
    }

    /** Builder; every call validates at once. Not thread-safe. */
    public static final class Builder {
        private Duration rpo = Duration.ofHours(26);
        private Duration rto = Duration.ofHours(1);
        private double sizeChange = 0.30;
        private double slowerThan = 2.0;
        private double lateFactor = 1.25;
        private int recent = 10;

        private Builder() {
        }

        public Builder rpo(Duration d) {
            this.rpo = positive("rpo", d);
            return this;
        }

        public Builder rto(Duration d) {
            this.rto = positive("rto", d);
            return this;
        }

        /** A fraction: 0.3 for 30 %. */
        public Builder sizeChange(double fraction) {
            if (!(fraction > 0 && fraction < 100)) {
                throw new IllegalArgumentException("sizeChange must be a positive fraction (0.3 = 30%): " + fraction);
            }
            this.sizeChange = fraction;
            return this;
        }

        /** A factor: 2 for twice the median. */
        public Builder slowerThan(double factor) {
            if (!(factor > 1 && factor < 1000)) {
                throw new IllegalArgumentException("slowerThan must be a factor above 1: " + factor);
            }
            this.slowerThan = factor;
            return this;
        }

        public Builder lateFactor(double factor) {
            if (!(factor >= 1 && factor < 1000)) {
                throw new IllegalArgumentException("lateFactor must be at least 1: " + factor);
            }
            this.lateFactor = factor;
            return this;
        }

        public Builder recent(int n) {
            if (n < 2 || n > 1000) {
                throw new IllegalArgumentException("recent must be 2..1000: " + n);
            }
            this.recent = n;
            return this;
        }

        public Objectives build() {
            return new Objectives(rpo, rto, sizeChange, slowerThan, lateFactor, recent);
        }

        private static Duration positive(String what, Duration d) {
            if (d == null || d.isZero() || d.isNegative()) {
                throw new IllegalArgumentException(what + " must be positive: " + d);
            }
            return d;
        }
    }
}
