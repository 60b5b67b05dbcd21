package dev.cairn.snapshot;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Retention with restic's {@code forget} semantics (issue 9). The expected sets are derived by hand from
 * restic's documentation (doc/060_forget.rst, internal/restic/snapshot_policy.go) and were cross-checked
 * once against {@code restic 0.14 forget --dry-run --json} on a throwaway repository holding the same
 * snapshot times (TZ=UTC); the test itself holds only the literal sets.
 */
class RetentionPolicyTest {
    private static final DateTimeFormatter F = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm");
    private static final ZoneId UTC = ZoneOffset.UTC;

    /** Two years of irregular snapshots of host a, source fs:/srv/www (times UTC). */
    private static final String[] HOST_A = {
            "2024-01-05 09:00", "2024-01-20 09:00", "2024-02-11 09:00 prod", "2024-03-31 23:30",
            "2024-04-01 00:30", "2024-06-15 12:00", "2024-06-15 18:00", "2024-09-02 08:00",
            "2024-11-30 10:00 manual", "2024-12-28 10:00", "2024-12-30 10:00", "2024-12-31 22:00",
            "2025-01-02 10:00", "2025-01-05 10:00", "2025-01-06 10:00", "2025-01-13 10:00",
            "2025-02-14 10:00", "2025-03-01 10:00", "2025-05-20 10:00", "2025-08-08 10:00 prod",
            "2025-10-31 23:00", "2025-11-01 01:00", "2025-11-04 10:00", "2025-11-20 10:00",
            "2025-11-25 10:00", "2025-11-27 10:00", "2025-11-28 08:00", "2025-11-28 20:00",
            "2025-11-29 10:00", "2025-12-01 09:00", "2025-12-01 09:30", "2025-12-01 10:15",
            "2025-12-03 10:00", "2025-12-04 10:00",
    };

    private static int counter;

    private static Snapshot snap(String host, String kind, String source, String spec) {
        String[] p = spec.split(" ");
        LocalDateTime t = LocalDateTime.parse(p[0] + " " + p[1], F);
        List<String> tags = p.length > 2 ? List.of(p[2]) : List.of();
        String id = String.format("%08x", ++counter) + "0".repeat(56);
        return new Snapshot(id, t.toInstant(ZoneOffset.UTC), host, "root", tags, kind, source, List.of(source),
                "1".repeat(64), Optional.empty(), "0.1.0",
                new SnapshotSummary(0, 0, 0, 0, 0, 0, 0, 0, 0, false, List.of()), Map.of());
    }

    /** Host a's snapshots, in a shuffled (but fixed) order: the decisions must not depend on it. */
    private static List<Snapshot> hostA() {
        List<Snapshot> l = new ArrayList<>();
        for (String s : HOST_A) {
            l.add(snap("a", "fs", "/srv/www", s));
        }
        Collections.shuffle(l, new Random(9));
        return l;
    }

    private static String label(Snapshot s) {
        return LocalDateTime.ofInstant(s.time(), UTC).format(F);
    }

    /** Kept snapshots (by time label) with their reasons. */
    private static Map<String, List<String>> kept(RetentionPolicy p, List<Snapshot> snaps) {
        List<RetentionDecision> d = p.apply(snaps);
        assertThat(d).hasSize(snaps.size());
        for (int i = 0; i < snaps.size(); i++) {
            assertThat(d.get(i).snapshot()).as("decisions in the order given").isSameAs(snaps.get(i));
            assertThat(d.get(i).keep()).isEqualTo(!d.get(i).reasons().isEmpty());
        }
        Map<String, List<String>> m = new LinkedHashMap<>();
        d.stream().filter(RetentionDecision::keep).sorted((x, y) -> y.snapshot().time().compareTo(x.snapshot().time()))
                .forEach(x -> m.put((x.snapshot().host().equals("a") ? "" : x.snapshot().host() + " ")
                        + label(x.snapshot()), x.reasons()));
        return m;
    }

    private static RetentionPolicy.Builder utc() {
        return RetentionPolicy.builder().zone(UTC);
    }

    @Test
    void keepLast_countsSnapshots_newestFirst() {
        assertThat(kept(utc().keepLast(5).build(), hostA()).keySet()).containsExactly(
                "2025-12-04 10:00", "2025-12-03 10:00", "2025-12-01 10:15", "2025-12-01 09:30", "2025-12-01 09:00");
    }

    @Test
    void keepHourly_newestOfEachHour_gapsCostNothing() {
        assertThat(kept(utc().keepHourly(5).build(), hostA())).containsExactly(
                Map.entry("2025-12-04 10:00", List.of("hourly snapshot")),
                Map.entry("2025-12-03 10:00", List.of("hourly snapshot")),
                Map.entry("2025-12-01 10:15", List.of("hourly snapshot")),
                Map.entry("2025-12-01 09:30", List.of("hourly snapshot")),
                Map.entry("2025-11-29 10:00", List.of("hourly snapshot")));
    }

    @Test
    void keepDaily_acrossGaps_countsOnlyDaysWithSnapshots_keepsNewestOfDay() {
        // 12-02 and 11-30 have no snapshot and do not count; of 12-01 the 10:15 one, of 11-28 the 20:00 one.
        assertThat(kept(utc().keepDaily(7).build(), hostA()).keySet()).containsExactly(
                "2025-12-04 10:00", "2025-12-03 10:00", "2025-12-01 10:15", "2025-11-29 10:00",
                "2025-11-28 20:00", "2025-11-27 10:00", "2025-11-25 10:00");
    }

    @Test
    void keepWeekly_acrossYearBoundary_usesIsoWeeks() {
        // 2024-12-30 and 2024-12-31 belong to ISO week 2025-W01 with 2025-01-02 and 2025-01-05 (kept: newest);
        // 2024-12-28 is 2024-W52, the 13th week with a snapshot.
        assertThat(kept(utc().keepWeekly(13).build(), hostA()).keySet()).containsExactly(
                "2025-12-04 10:00", "2025-11-29 10:00", "2025-11-20 10:00", "2025-11-04 10:00",
                "2025-11-01 01:00", "2025-08-08 10:00", "2025-05-20 10:00", "2025-03-01 10:00",
                "2025-02-14 10:00", "2025-01-13 10:00", "2025-01-06 10:00", "2025-01-05 10:00",
                "2024-12-28 10:00");
    }

    @Test
    void keepMonthlyAndYearly_eachRuleIndependently_yearsWithoutSnapshotsDoNotCount() {
        assertThat(kept(utc().keepMonthly(6).keepYearly(3).build(), hostA())).containsExactly(
                Map.entry("2025-12-04 10:00", List.of("monthly snapshot", "yearly snapshot")),
                Map.entry("2025-11-29 10:00", List.of("monthly snapshot")),
                Map.entry("2025-10-31 23:00", List.of("monthly snapshot")),
                Map.entry("2025-08-08 10:00", List.of("monthly snapshot")),
                Map.entry("2025-05-20 10:00", List.of("monthly snapshot")),
                Map.entry("2025-03-01 10:00", List.of("monthly snapshot")),
                Map.entry("2024-12-31 22:00", List.of("yearly snapshot")));
    }

    @Test
    void keepMonthly_zone_bucketsInThatZone() {
        // 2025-10-31 23:00 UTC is 2025-11-01 00:00 in Berlin: October has no snapshot there.
        RetentionPolicy p = RetentionPolicy.builder().zone(ZoneId.of("Europe/Berlin")).keepMonthly(6).build();
        assertThat(kept(p, hostA()).keySet()).containsExactly("2025-12-04 10:00", "2025-11-29 10:00",
                "2025-08-08 10:00", "2025-05-20 10:00", "2025-03-01 10:00", "2025-02-14 10:00");
    }

    @Test
    void keepWithin_relativeToNewestSnapshot_boundaryExcluded() {
        // Newest is 2025-12-04 10:00 (not "now"): cut-off 2025-11-04 10:00, and a snapshot exactly there goes.
        assertThat(kept(utc().keepWithin(Duration.ofDays(30)).build(), hostA())).containsOnlyKeys(
                "2025-12-04 10:00", "2025-12-03 10:00", "2025-12-01 10:15", "2025-12-01 09:30",
                "2025-12-01 09:00", "2025-11-29 10:00", "2025-11-28 20:00", "2025-11-28 08:00",
                "2025-11-27 10:00", "2025-11-25 10:00", "2025-11-20 10:00")
                .allSatisfy((k, v) -> assertThat(v).containsExactly("within 30d"));
        assertThat(kept(utc().keepWithin("1m").build(), hostA())).as("calendar month, as restic")
                .hasSize(11).containsEntry("2025-11-20 10:00", List.of("within 1m"));
    }

    @Test
    void keepTag_keepsTaggedOnly_uncounted() {
        assertThat(kept(utc().keepTags("prod").build(), hostA())).containsExactly(
                Map.entry("2025-08-08 10:00", List.of("tag prod")),
                Map.entry("2024-02-11 09:00", List.of("tag prod")));
    }

    @Test
    void combination_anyRuleKeeps_reasonsListEveryRule() {
        RetentionPolicy p = utc().keepLast(2).keepDaily(4).keepWeekly(3).keepMonthly(3).keepYearly(2)
                .keepWithin("3d").keepTags("prod").build();
        assertThat(kept(p, hostA())).containsExactly(
                Map.entry("2025-12-04 10:00", List.of("within 3d", "last snapshot", "daily snapshot", "weekly snapshot",
                        "monthly snapshot", "yearly snapshot")),
                Map.entry("2025-12-03 10:00", List.of("within 3d", "last snapshot", "daily snapshot")),
                Map.entry("2025-12-01 10:15", List.of("within 3d", "daily snapshot")),
                Map.entry("2025-11-29 10:00", List.of("daily snapshot", "weekly snapshot", "monthly snapshot")),
                Map.entry("2025-11-20 10:00", List.of("weekly snapshot")),
                Map.entry("2025-10-31 23:00", List.of("monthly snapshot")),
                Map.entry("2025-08-08 10:00", List.of("tag prod")),
                Map.entry("2024-12-31 22:00", List.of("yearly snapshot")),
                Map.entry("2024-02-11 09:00", List.of("tag prod")));
        assertThat(p.toString()).isEqualTo("keep-last 2, keep-daily 4, keep-weekly 3, keep-monthly 3, keep-yearly 2, "
                + "keep-within 3d, keep-tag prod");
    }

    private static List<Snapshot> twoHostsTwoSources() {
        List<Snapshot> l = new ArrayList<>(hostA());
        l.add(snap("b", "fs", "/srv/www", "2025-06-01 10:00"));
        l.add(snap("b", "fs", "/srv/www", "2025-12-02 10:00"));
        l.add(snap("b", "fs", "/srv/www", "2025-12-05 10:00"));
        l.add(snap("a", "mysql", "mysql://db1/shop", "2025-01-01 00:00"));
        return l;
    }

    @Test
    void grouping_byHostAndSource_eachGroupKeepsSeparately() {
        List<Snapshot> all = twoHostsTwoSources();
        List<RetentionDecision> d = utc().keepLast(2).build().apply(all);
        Map<String, List<String>> keptByGroup = new LinkedHashMap<>();
        d.stream().filter(RetentionDecision::keep).sorted((x, y) -> x.snapshot().time().compareTo(y.snapshot().time()))
                .forEach(x -> keptByGroup.computeIfAbsent(x.group(), k -> new ArrayList<>()).add(label(x.snapshot())));
        assertThat(keptByGroup).containsOnly(
                Map.entry("host=a source=fs:/srv/www", List.of("2025-12-03 10:00", "2025-12-04 10:00")),
                Map.entry("host=b source=fs:/srv/www", List.of("2025-12-02 10:00", "2025-12-05 10:00")),
                Map.entry("host=a source=mysql:mysql://db1/shop", List.of("2025-01-01 00:00")));
    }

    @Test
    void keepWithin_perGroup_relativeToThatGroupsNewest() {
        // Host b's newest is 2025-12-05 10:00: its 2025-12-02 10:00 is exactly 3 days older and goes;
        // host a's window ends at its own newest, 2025-12-04 10:00.
        assertThat(kept(utc().keepWithin(Duration.ofDays(3)).build(), twoHostsTwoSources()).keySet())
                .containsExactly("b 2025-12-05 10:00", "2025-12-04 10:00", "2025-12-03 10:00", "2025-12-01 10:15",
                        "2025-01-01 00:00");
    }

    @Test
    void groupBy_none_oneGroup() {
        RetentionPolicy p = utc().keepLast(2).groupBy().build();
        List<RetentionDecision> d = p.apply(twoHostsTwoSources());
        assertThat(d).allSatisfy(x -> assertThat(x.group()).isEmpty());
        assertThat(d.stream().filter(RetentionDecision::keep).map(x -> x.snapshot().host() + " " + label(x.snapshot())))
                .containsExactlyInAnyOrder("b 2025-12-05 10:00", "a 2025-12-04 10:00");
    }

    @Test
    void groupBy_tags_separatesTaggedSnapshots() {
        RetentionPolicy p = utc().keepLast(1).groupBy("host", "tags").build();
        assertThat(kept(p, hostA()).keySet()).containsExactly("2025-12-04 10:00", "2025-08-08 10:00",
                "2024-11-30 10:00");
    }

    @Test
    void emptyPolicy_keepsEverything() {
        RetentionPolicy p = utc().build();
        assertThat(p.isEmpty()).isTrue();
        assertThat(p.apply(hostA())).allSatisfy(x -> {
            assertThat(x.keep()).isTrue();
            assertThat(x.reasons()).containsExactly("policy is empty");
        });
        assertThat(utc().keepWithin(Duration.ZERO).keepDaily(0).build().isEmpty()).as("zero turns a rule off").isTrue();
        assertThat(p.apply(List.of())).isEmpty();
    }

    @Test
    void builder_badArguments_throwAtOnce_namingTheParameter() {
        assertThatThrownBy(() -> RetentionPolicy.builder().keepDaily(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("keepDaily must not be negative: -1");
        assertThatThrownBy(() -> RetentionPolicy.builder().keepLast(-2)).hasMessage("keepLast must not be negative: -2");
        assertThatThrownBy(() -> RetentionPolicy.builder().keepYearly(-1)).hasMessageStartingWith("keepYearly");
        assertThatThrownBy(() -> RetentionPolicy.builder().keepWithin(Duration.ofHours(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("keepWithin must not be negative");
        assertThatThrownBy(() -> RetentionPolicy.builder().keepWithin("30 days"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("30d");
        assertThatThrownBy(() -> RetentionPolicy.builder().keepTags("prod", " "))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RetentionPolicy.builder().groupBy("host", "paths"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("groupBy keys must be host, source or tags: paths");
        assertThatThrownBy(() -> RetentionPolicy.builder().zone(null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void keepWithinText_resticNotation_parsed() {
        assertThat(utc().keepWithin("1y6m2d12h").build().toString()).isEqualTo("keep-within 1y6m2d12h");
        assertThat(utc().keepWithin("2w").build().toString()).isEqualTo("keep-within 14d");
        assertThat(utc().keepWithin(Duration.ofHours(36)).build().toString()).isEqualTo("keep-within 1d12h");
    }
}
