package dev.cairn.schedule;

import dev.cairn.internal.quartz.Cron;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Objects;
import java.util.Optional;

/**
 * When a job runs: a Quartz cron expression ({@code seconds minutes hours day-of-month month
 * day-of-week [year]}, e.g. {@code 0 0 2 * * ?}), the time zone it is read in, and what to do with
 * a missed firing. Immutable and thread-safe; no component is null.
 *
 * <pre>{@code
 * Schedule nightly = Schedule.cron("0 30 2 * * ?").zone(ZoneId.of("Europe/Berlin")).misfire(MisfirePolicy.SKIP);
 * }</pre>
 */
public final class Schedule {
    private final String cron;
    private final ZoneId zone;
    private final MisfirePolicy misfire;

    private Schedule(String cron, ZoneId zone, MisfirePolicy misfire) {
        this.cron = cron;
        this.zone = zone;
        this.misfire = misfire;
    }

    /**
     * A schedule in the system time zone that fires a missed run once at once.
     *
     * @throws IllegalArgumentException when the expression is invalid (the message says why)
     */
    public static Schedule cron(String expression) {
        Cron.validate(expression);
        return new Schedule(expression.strip(), ZoneId.systemDefault(), MisfirePolicy.FIRE_NOW);
    }

    /** This schedule read in {@code zone}. */
    public Schedule zone(ZoneId zone) {
        return new Schedule(cron, Objects.requireNonNull(zone, "zone"), misfire);
    }

    /** This schedule with another misfire policy. */
    public Schedule misfire(MisfirePolicy policy) {
        return new Schedule(cron, zone, Objects.requireNonNull(policy, "misfire"));
    }

    public String expression() {
        return cron;
    }

    public ZoneId zone() {
        return zone;
    }

    public MisfirePolicy misfirePolicy() {
        return misfire;
    }

    /** The first fire time strictly after {@code after}; empty when the expression never fires again. */
    public Optional<Instant> nextAfter(Instant after) {
        return Cron.next(cron, zone, after);
    }

    /**
     * The usual time between two firings after {@code from} (the gap between the next two), which
     * health grading uses to tell a late backup; empty when it fires fewer than twice more.
     */
    public Optional<Duration> interval(Instant from) {
        Optional<Instant> a = nextAfter(from);
        Optional<Instant> b = a.flatMap(this::nextAfter);
        return b.map(x -> Duration.between(a.get(), x));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Schedule s && s.cron.equals(cron) && s.zone.equals(zone) && s.misfire == misfire;
    }

    @Override
    public int hashCode() {
        return Objects.hash(cron, zone, misfire);
    }

    @Override
    public String toString() {
        return cron + " (" + zone + ", misfire " + misfire.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-')
                + ")";
    }
}
