package dev.cairn.internal.repo;

import dev.cairn.IntegrityException;
import dev.cairn.snapshot.Snapshot;
import dev.cairn.snapshot.SnapshotSummary;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SnapshotSummariesCodecTest {
    private static Snapshot full(char c, Optional<String> parent) {
        return new Snapshot(String.valueOf(c).repeat(64), Instant.parse("2026-11-26T10:15:30.123456789Z"), "höst",
                "root", List.of("nightly", "ünïcode"), "mysql", "mysql://backup@db1/shop", List.of("/a", "/b c"),
                "e".repeat(64), parent, "cairn 0.1.0",
                new SnapshotSummary(1, 2, 3, 4, 5, 6, 7, 8, Long.MAX_VALUE, true, List.of("x: changed while read", "")),
                Map.of("gtid", "0-1-42", "server", "MariaDB 10.11"));
    }

    @Test
    void everyFieldSurvives_andTruncationOrTrailingBytesAreRejected() {
        Snapshot a = full('a', Optional.of("b".repeat(64)));
        Snapshot b = new Snapshot("c".repeat(64), Instant.EPOCH, "", "", List.of(), "fs", "", List.of(), "d".repeat(64),
                Optional.empty(), "", new SnapshotSummary(0, 0, 0, 0, 0, 0, 0, 0, 0, false, List.of()), Map.of());
        byte[] enc = SnapshotSummaries.encode(List.of(a, b));
        assertThat(SnapshotSummaries.decode(enc)).isEqualTo(Map.of(a.id(), a, b.id(), b));
        assertThat(SnapshotSummaries.decode(SnapshotSummaries.encode(List.of()))).isEmpty();
        assertThatThrownBy(() -> SnapshotSummaries.decode(Arrays.copyOf(enc, enc.length - 1)))
                .isInstanceOf(IntegrityException.class);
        assertThatThrownBy(() -> SnapshotSummaries.decode(Arrays.copyOf(enc, enc.length + 1)))
                .isInstanceOf(IntegrityException.class);
    }
}
