package dev.cairn.snapshot;

import java.time.Duration;
import java.time.Instant;
import java.time.Period;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.IsoFields;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.ToLongFunction;

/**
 * Which snapshots {@code forget} keeps, with restic's semantics: snapshots are grouped (by default by
 * host and source: kind, descriptor and paths), and within each group a snapshot is kept when any rule
 * keeps it. {@code keepLast(n)} keeps the n newest; {@code keepHourly/Daily/Weekly/Monthly/Yearly(n)}
 * keep the newest snapshot of each of the n newest hours/days/ISO weeks/months/years that have a
 * snapshot (in the policy's time zone); {@code keepWithin(d)} keeps every snapshot taken within d of
 * the group's newest snapshot; {@code keepTags(t…)} keeps every snapshot carrying any of the tags.
 * A policy with no rule keeps everything (forgetting everything needs an explicit call). Immutable and
 * thread-safe.
 *
 * <p>Precisely (restic's {@code ApplyPolicy}): each group's snapshots are ordered newest first (ties
 * by id); every counted rule walks that list independently, keeping a snapshot when its bucket (its
 * hour, day, ISO week-based year and week, month or year in the policy's zone) differs from the bucket
 * of the snapshot that rule kept last, until the rule has kept n snapshots. So a bucket counts only when
 * it holds a snapshot (gaps cost nothing), the newest snapshot of each bucket is the one kept, and
 * {@code keepLast} counts snapshots. {@code keepWithin(d)} keeps snapshots strictly after
 * {@code newest - d}. Tags are not counted. A snapshot's reasons list every rule that kept it, in the
 * order tag, within, last, hourly, daily, weekly, monthly, yearly (as {@code restic forget} prints them).
 *
 * <p>Policies are obtained from {@link #builder()}; no method returns null.
 */
public final class RetentionPolicy {
    /** The grouping keys {@link Builder#groupBy} accepts. */
    public static final List<String> GROUP_KEYS = List.of("host", "source", "tags");

    private final int last;
    private final int hourly;
    private final int daily;
    private final int weekly;
    private final int monthly;
    private final int yearly;
    private final Period withinPeriod;
    private final Duration withinDuration;
    private final List<String> tags;
    private final List<String> groupBy;
    private final ZoneId zone;

    private RetentionPolicy(Builder b) {
        this.last = b.last;
        this.hourly = b.hourly;
        this.daily = b.daily;
        this.weekly = b.weekly;
        this.monthly = b.monthly;
        this.yearly = b.yearly;
        this.withinPeriod = b.withinPeriod;
        this.withinDuration = b.withinDuration;
        this.tags = List.copyOf(b.tags);
        this.groupBy = List.copyOf(b.groupBy);
        this.zone = b.zone == null ? ZoneId.systemDefault() : b.zone;
    }

    /** Starts an empty policy (keeps everything until a rule is added). */
    public static Builder builder() {
        return new Builder();
    }

    /** True when no rule is set: such a policy keeps every snapshot (restic: "policy is empty"). */
    public boolean isEmpty() {
        return last == 0 && hourly == 0 && daily == 0 && weekly == 0 && monthly == 0 && yearly == 0
                && !hasWithin() && tags.isEmpty();
    }

    private boolean hasWithin() {
        return !withinPeriod.isZero() || !withinDuration.isZero();
    }

    /** The grouping keys, in the order given (empty: one group). */
    public List<String> groupBy() {
        return groupBy;
    }

    /** The time zone of the hour/day/week/month/year buckets. */
    public ZoneId zone() {
        return zone;
    }

    /**
     * The policy's rules as restic-like options, e.g. {@code keep-daily 7, keep-within 30d, keep-tag prod}
     * (for logs and reports); "no rule" when empty.
     */
    @Override
    public String toString() {
        List<String> r = new ArrayList<>();
        add(r, "keep-last", last);
        add(r, "keep-hourly", hourly);
        add(r, "keep-daily", daily);
        add(r, "keep-weekly", weekly);
        add(r, "keep-monthly", monthly);
        add(r, "keep-yearly", yearly);
        if (hasWithin()) {
            r.add("keep-within " + withinText());
        }
        tags.forEach(t -> r.add("keep-tag " + t));
        return r.isEmpty() ? "no rule" : String.join(", ", r);
    }

    private static void add(List<String> r, String name, int n) {
        if (n > 0) {
            r.add(name + " " + n);
        }
    }

    /** "30d", "1y6m", "36h" (restic's notation); "PT90M"-style when minutes or seconds are involved. */
    private String withinText() {
        StringBuilder s = new StringBuilder();
        if (withinPeriod.getYears() != 0) {
            s.append(withinPeriod.getYears()).append('y');
        }
        if (withinPeriod.getMonths() != 0) {
            s.append(withinPeriod.getMonths()).append('m');
        }
        long days = withinPeriod.getDays() + withinDuration.toDays();
        Duration rest = withinDuration.minusDays(withinDuration.toDays());
        if (rest.toSecondsPart() != 0 || rest.toMinutesPart() != 0 || rest.getNano() != 0) {
            return s + (days != 0 ? days + "d" : "") + rest;
        }
        if (days != 0) {
            s.append(days).append('d');
        }
        if (rest.toHours() != 0) {
            s.append(rest.toHours()).append('h');
        }
        return s.toString();
    }

    /**
     * Decides each snapshot's fate: one decision per snapshot, in the order given, with the rules that
     * kept it (empty when it goes).
     */
    public List<RetentionDecision> apply(List<Snapshot> snapshots) {
        Objects.requireNonNull(snapshots, "snapshots");
        Map<String, List<Snapshot>> groups = new LinkedHashMap<>();
        for (Snapshot s : snapshots) {
            groups.computeIfAbsent(groupKey(s), k -> new ArrayList<>()).add(s);
        }
        Map<Snapshot, RetentionDecision> decided = new java.util.IdentityHashMap<>();
        for (Map.Entry<String, List<Snapshot>> g : groups.entrySet()) {
            decideGroup(g.getKey(), g.getValue(), decided);
        }
        List<RetentionDecision> out = new ArrayList<>(snapshots.size());
        for (Snapshot s : snapshots) {
            out.add(decided.get(s));
        }
        return out;
    }

    /** The group a snapshot belongs to, as shown to users ("host=db1 source=fs:/srv/www"). */
    public String groupKey(Snapshot s) {
        List<String> parts = new ArrayList<>();
        for (String k : groupBy) {
            switch (k) {
                case "host" -> parts.add("host=" + s.host());
                case "source" -> {
                    String src = s.sourceKind() + ":" + s.source();
                    parts.add("source=" + src + (s.paths().equals(List.of(s.source())) || s.paths().isEmpty()
                            ? "" : " paths=" + String.join(",", s.paths())));
                }
                case "tags" -> parts.add("tags=" + String.join(",", new TreeSet<>(s.tags())));
                default -> throw new IllegalStateException(k);
            }
        }
        return String.join(" ", parts);
    }

    private void decideGroup(String group, List<Snapshot> members, Map<Snapshot, RetentionDecision> decided) {
        List<Snapshot> list = new ArrayList<>(members);
        list.sort(Comparator.comparing(Snapshot::time).reversed().thenComparing(Snapshot::id));
        if (isEmpty()) {
            for (Snapshot s : list) {
                decided.put(s, new RetentionDecision(s, group, true, List.of("policy is empty")));
            }
            return;
        }
        Bucket[] buckets = {
                new Bucket("last snapshot", last, null),
                new Bucket("hourly snapshot", hourly, t -> t.getYear() * 1_000_000L + t.getDayOfYear() * 100L
                        + t.getHour()),
                new Bucket("daily snapshot", daily, t -> t.getYear() * 1000L + t.getDayOfYear()),
                new Bucket("weekly snapshot", weekly, t -> t.get(IsoFields.WEEK_BASED_YEAR) * 100L
                        + t.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR)),
                new Bucket("monthly snapshot", monthly, t -> t.getYear() * 100L + t.getMonthValue()),
                new Bucket("yearly snapshot", yearly, t -> (long) t.getYear()),
        };
        Instant cutoff = hasWithin()
                ? list.get(0).time().atZone(zone).minus(withinPeriod).minus(withinDuration).toInstant()
                : null;
        for (int nr = 0; nr < list.size(); nr++) {
            Snapshot s = list.get(nr);
            ZonedDateTime t = s.time().atZone(zone);
            Set<String> reasons = new LinkedHashSet<>();
            for (String tag : tags) {
                if (s.tags().contains(tag)) {
                    reasons.add("tag " + tag);
                }
            }
            if (cutoff != null && s.time().isAfter(cutoff)) {
                reasons.add("within " + withinText());
            }
            for (Bucket b : buckets) {
                if (b.remaining > 0) {
                    long v = b.key == null ? nr : b.key.applyAsLong(t);
                    if (!b.seen || v != b.lastKey) {
                        b.seen = true;
                        b.lastKey = v;
                        b.remaining--;
                        reasons.add(b.reason);
                    }
                }
            }
            decided.put(s, new RetentionDecision(s, group, !reasons.isEmpty(), new ArrayList<>(reasons)));
        }
    }

    /** One counted rule's state while walking a group newest first. */
    private static final class Bucket {
        final String reason;
        final ToLongFunction<ZonedDateTime> key;
        int remaining;
        boolean seen;
        long lastKey;

        Bucket(String reason, int count, ToLongFunction<ZonedDateTime> key) {
            this.reason = reason;
            this.remaining = count;
            this.key = key;
        }
    }

    /**
     * Builder; every setter validates at once ("keepDaily must not be negative: -1"). A count of 0 turns
     * a rule off. Not thread-safe.
     */
    public static final class Builder {
        private int last;
        private int hourly;
        private int daily;
        private int weekly;
        private int monthly;
        private int yearly;
        private Period withinPeriod = Period.ZERO;
        private Duration withinDuration = Duration.ZERO;
        private final List<String> tags = new ArrayList<>();
        private List<String> groupBy = List.of("host", "source");
        private ZoneId zone;

        private Builder() {
        }

        private static int count(String name, int n) {
            if (n < 0) {
                throw new IllegalArgumentException(name + " must not be negative: " + n);
            }
            return n;
        }

        /** Keeps the n newest snapshots of each group. */
        public Builder keepLast(int n) {
            this.last = count("keepLast", n);
            return this;
        }

        /** Keeps the newest snapshot of each of the n newest hours that have one. */
        public Builder keepHourly(int n) {
            this.hourly = count("keepHourly", n);
            return this;
        }

        /** Keeps the newest snapshot of each of the n newest days that have one. */
        public Builder keepDaily(int n) {
            this.daily = count("keepDaily", n);
            return this;
        }

        /** Keeps the newest snapshot of each of the n newest ISO weeks that have one. */
        public Builder keepWeekly(int n) {
            this.weekly = count("keepWeekly", n);
            return this;
        }

        /** Keeps the newest snapshot of each of the n newest months that have one. */
        public Builder keepMonthly(int n) {
            this.monthly = count("keepMonthly", n);
            return this;
        }

        /** Keeps the newest snapshot of each of the n newest years that have one. */
        public Builder keepYearly(int n) {
            this.yearly = count("keepYearly", n);
            return this;
        }

        /** Keeps every snapshot taken within {@code d} of its group's newest snapshot; zero turns it off. */
        public Builder keepWithin(Duration d) {
            if (d == null || d.isNegative()) {
                throw new IllegalArgumentException("keepWithin must not be negative: " + d);
            }
            this.withinDuration = d;
            this.withinPeriod = Period.ZERO;
            return this;
        }

        /**
         * Like {@link #keepWithin(Duration)} with calendar units, as restic's {@code 1y6m2d3h}: the cut-off
         * is the newest snapshot's time in the policy's zone minus the period, then minus the duration.
         */
        public Builder keepWithin(Period p, Duration d) {
            if (p == null || p.isNegative()) {
                throw new IllegalArgumentException("keepWithin period must not be negative: " + p);
            }
            keepWithin(d);
            this.withinPeriod = p.normalized();
            return this;
        }

        /**
         * Parses restic's notation for {@code --keep-within}: one or more of {@code <n>y}, {@code <n>m}
         * (months), {@code <n>d}, {@code <n>h}, e.g. {@code 30d}, {@code 1y6m}, {@code 2d12h}; {@code <n>w}
         * is accepted for weeks.
         */
        public Builder keepWithin(String text) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)([ymwdh])")
                    .matcher(text == null ? "" : text.strip().toLowerCase(Locale.ROOT));
            int years = 0;
            int months = 0;
            long days = 0;
            long hours = 0;
            int end = 0;
            try {
                while (m.find() && m.start() == end) {
                    end = m.end();
                    long v = Long.parseLong(m.group(1));
                    switch (m.group(2)) {
                        case "y" -> years = Math.addExact(years, Math.toIntExact(v));
                        case "m" -> months = Math.addExact(months, Math.toIntExact(v));
                        case "w" -> days = Math.addExact(days, Math.multiplyExact(v, 7));
                        case "d" -> days = Math.addExact(days, v);
                        default -> hours = Math.addExact(hours, v);
                    }
                }
            } catch (ArithmeticException e) {
                end = -1;
            }
            if (text == null || end == 0 || end != text.strip().length()) {
                throw new IllegalArgumentException("keepWithin must be like 30d, 1y6m, 2w or 12h: " + text);
            }
            return keepWithin(Period.of(years, months, 0), Duration.ofDays(days).plusHours(hours));
        }

        /** Keeps every snapshot carrying any of these tags (added to tags given before). */
        public Builder keepTags(String... tags) {
            for (String t : Objects.requireNonNull(tags, "tags")) {
                if (t == null || t.isBlank()) {
                    throw new IllegalArgumentException("keepTags: a tag must not be blank");
                }
                if (!this.tags.contains(t)) {
                    this.tags.add(t);
                }
            }
            return this;
        }

        /** Grouping: any of {@code host}, {@code source}, {@code tags}; empty for one group. Default host,source. */
        public Builder groupBy(String... keys) {
            List<String> g = new ArrayList<>();
            for (String k : Objects.requireNonNull(keys, "keys")) {
                String key = k == null ? null : k.strip().toLowerCase(Locale.ROOT);
                if (key == null || !GROUP_KEYS.contains(key)) {
                    throw new IllegalArgumentException("groupBy keys must be host, source or tags: " + k);
                }
                if (!g.contains(key)) {
                    g.add(key);
                }
            }
            this.groupBy = List.copyOf(g);
            return this;
        }

        /** Time zone for hour/day/week/month/year buckets (default: the system zone). */
        public Builder zone(ZoneId zone) {
            if (zone == null) {
                throw new IllegalArgumentException("zone must not be null");
            }
            this.zone = zone;
            return this;
        }

        public RetentionPolicy build() {
            return new RetentionPolicy(this);
        }
    }
}
