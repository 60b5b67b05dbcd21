package dev.cairn.internal.quartz;

import org.quartz.CronExpression;

import java.text.ParseException;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Date;
import java.util.Optional;
import java.util.TimeZone;

/** Quartz cron expressions: validation and fire times, without exposing Quartz. Stateless. */
public final class Cron {
    private Cron() {
    }

    /** Throws IllegalArgumentException naming the problem when {@code expression} is not a Quartz cron expression. */
    public static void validate(String expression) {
        if (expression == null || expression.isBlank()) {
            throw new IllegalArgumentException("cron expression must not be blank");
        }
        try {
            new CronExpression(expression);
        } catch (ParseException e) {
            throw new IllegalArgumentException("cron expression '" + expression + "' is invalid: " + e.getMessage()
                    + " (Quartz syntax: seconds minutes hours day-of-month month day-of-week [year], e.g. "
                    + "'0 0 2 * * ?' for 02:00 every day)", e);
        }
    }

    /** The first fire time strictly after {@code after}, if any. */
    public static Optional<Instant> next(String expression, ZoneId zone, Instant after) {
        try {
            CronExpression c = new CronExpression(expression);
            c.setTimeZone(TimeZone.getTimeZone(zone));
            Date d = c.getNextValidTimeAfter(Date.from(after));
            return Optional.ofNullable(d).map(Date::toInstant);
        } catch (ParseException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }
}
