package dev.cairn.cli;

import dev.cairn.health.Objectives;
import dev.cairn.schedule.MisfirePolicy;

import java.net.URI;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the configuration file's value forms: durations ({@code 26h}, {@code 1h30m}, {@code 90s},
 * {@code 2d}), sizes ({@code 500M}, {@code 2G}), percentages ({@code 30%}) and factors ({@code 2x}).
 * Each parser throws IllegalArgumentException saying what it expected. Stateless.
 */
final class Values {
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d|w)");
    private static final Pattern SIZE = Pattern.compile("(\\d+)([KMGT]?)(i?B)?", Pattern.CASE_INSENSITIVE);

    private Values() {
    }

    static Duration duration(String text) {
        String t = text == null ? "" : text.strip().toLowerCase(Locale.ROOT).replace(" ", "");
        Matcher m = DURATION.matcher(t);
        Duration d = Duration.ZERO;
        int at = 0;
        while (m.find() && m.start() == at) {
            long n = Long.parseLong(m.group(1));
            d = d.plus(switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                case "d" -> Duration.ofDays(n);
                default -> Duration.ofDays(7 * n);
            });
            at = m.end();
        }
        if (t.isEmpty() || at != t.length() || d.isZero()) {
            throw new IllegalArgumentException("expected a duration such as 26h, 1h30m, 90s or 2d, not '" + text + "'");
        }
        return d;
    }

    static long size(String text) {
        Matcher m = SIZE.matcher(text == null ? "" : text.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("expected a size such as 500M or 2G, not '" + text + "'");
        }
        long n = Long.parseLong(m.group(1));
        int shift = switch (m.group(2).toUpperCase(Locale.ROOT)) {
            case "K" -> 10;
            case "M" -> 20;
            case "G" -> 30;
            case "T" -> 40;
            default -> 0;
        };
        if (n <= 0) {
            throw new IllegalArgumentException("expected a positive size, not '" + text + "'");
        }
        return n << shift;
    }

    /** {@code 30%} or {@code 0.3}. */
    static double fraction(String text) {
        String t = text == null ? "" : text.strip();
        try {
            double v = t.endsWith("%") ? Double.parseDouble(t.substring(0, t.length() - 1).strip()) / 100
                    : Double.parseDouble(t);
            if (v < 0) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected a percentage such as 30%, not '" + text + "'");
        }
    }

    /** {@code 2x} or {@code 2}. */
    static double factor(String text) {
        String t = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        try {
            return Double.parseDouble(t.endsWith("x") ? t.substring(0, t.length() - 1).strip() : t);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected a factor such as 2x, not '" + text + "'");
        }
    }

    static ZoneId zone(String text) {
        try {
            return ZoneId.of(text.strip());
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("expected a time zone such as Europe/Berlin or UTC, not '" + text + "'");
        }
    }

    static MisfirePolicy misfire(String text) {
        return switch (text.strip().toLowerCase(Locale.ROOT)) {
            case "fire-now" -> MisfirePolicy.FIRE_NOW;
            case "skip" -> MisfirePolicy.SKIP;
            default -> throw new IllegalArgumentException("expected fire-now or skip, not '" + text + "'");
        };
    }

    static URI uri(String text) {
        try {
            return URI.create(text.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a URL: " + e.getMessage());
        }
    }

    /** The file's objectives over the defaults. */
    static Objectives objectives(Config.ObjectivesConfig o) {
        Objectives.Builder b = Objectives.builder();
        if (o != null) {
            if (o.rpo != null) {
                b.rpo(duration(o.rpo));
            }
            if (o.rto != null) {
                b.rto(duration(o.rto));
            }
            if (o.sizeChange != null) {
                b.sizeChange(fraction(o.sizeChange));
            }
            if (o.slowerThan != null) {
                b.slowerThan(factor(o.slowerThan));
            }
        }
        return b.build();
    }
}
