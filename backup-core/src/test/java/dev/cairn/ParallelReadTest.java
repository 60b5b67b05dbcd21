package dev.cairn;

import dev.cairn.source.DirectoryWriter;
import dev.cairn.source.EntryMetadata;
import dev.cairn.source.EntryType;
import dev.cairn.source.Source;
import dev.cairn.source.SourceSession;
import dev.cairn.testing.TestRepos;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Small files handed over as {@link DirectoryWriter.FileContent} are read on reader threads. */
class ParallelReadTest {
    @TempDir
    Path tmp;

    /** 3 directories of 300 files, sizes 0..~1.5 MiB (some above the reader pool's threshold). */
    private static Source source(boolean deferred, int failAt) {
        return new Source() {
            @Override
            public String kind() {
                return "test";
            }

            @Override
            public String descriptor() {
                return "generated";
            }

            @Override
            public void backup(SourceSession s) throws IOException {
                Random r = new Random(7);
                int n = 0;
                for (int d = 0; d < 3; d++) {
                    try (DirectoryWriter dir = s.root().directory(EntryMetadata.directory("d" + d, 1_000_000_000L))) {
                        for (int f = 0; f < 300; f++, n++) {
                            int size = f % 50 == 0 ? 1_200_000 + r.nextInt(400_000) : r.nextInt(20_000);
                            byte[] data = new byte[size];
                            r.nextBytes(data);
                            EntryMetadata m = new EntryMetadata(String.format("f%03d", f), EntryType.FILE, 0644, 1, 1,
                                    "", "", 2_000_000_000L + n, 2_000_000_000L + n, n, 1, 1, size, "", Map.of());
                            boolean fail = n == failAt;
                            if (!deferred) {
                                dir.file(m, new ByteArrayInputStream(data));
                                continue;
                            }
                            dir.file(m, () -> fail ? new InputStream() {
                                @Override
                                public int read() throws IOException {
                                    throw new IOException("disk read error (injected)");
                                }
                            } : new ByteArrayInputStream(data));
                        }
                    }
                }
            }
        };
    }

    @Test
    void deferredFiles_sameSnapshotTreeAsReadInOrder() throws IOException {
        try (Repository a = TestRepos.fast(tmp.resolve("a")).init()) {
            var inOrder = a.backup(source(false, -1)).run().snapshot();
            var parallel = a.backup(source(true, -1)).noParent().run().snapshot();
            // Same names, metadata and content in the same order: the same root tree, whichever
            // thread read which file.
            assertThat(parallel.tree()).isEqualTo(inOrder.tree());
            assertThat(parallel.summary().files()).isEqualTo(900);
            assertThat(parallel.summary().bytesTotal()).isEqualTo(inOrder.summary().bytesTotal());
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            a.dump(parallel, "d2/f150", out);
            assertThat(out.size()).isGreaterThan(1_000_000);
        }
    }

    @Test
    void readerFailure_failsTheBackup_noSnapshot() throws IOException {
        try (Repository a = TestRepos.fast(tmp.resolve("a")).init()) {
            assertThatThrownBy(() -> a.backup(source(true, 417)).run())
                    .isInstanceOf(SourceReadException.class)
                    .hasMessageContaining("disk read error (injected)")
                    .hasMessageContaining("No snapshot was written");
            assertThat(a.snapshots()).isEmpty();
            assertThat(a.check().run().ok()).isTrue();
        }
    }
}
