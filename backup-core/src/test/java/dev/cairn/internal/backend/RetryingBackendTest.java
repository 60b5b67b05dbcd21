package dev.cairn.internal.backend;

import dev.cairn.backend.Backend;
import dev.cairn.backend.BackendContractTest;
import dev.cairn.backend.local.LocalBackend;
import dev.cairn.testing.FaultyBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The contract holds through retries over a backend failing a third of all calls. */
class RetryingBackendTest extends BackendContractTest {
    @TempDir
    Path dir;

    private final List<Long> sleeps = new ArrayList<>();

    @Override
    protected Backend newBackend() {
        // Failures before and after partial writes (never half-stored objects: puts are atomic).
        // Truncated whole-object reads are caught above this layer (content-addressed names are
        // verified against their SHA-256), so they are not injected here.
        FaultyBackend faulty = new FaultyBackend(new LocalBackend(dir.resolve("repo")), 3).failRate(0.33);
        return new RetryingBackend(faulty, 30, 1, 4, millis -> sleeps.add(millis));
    }

    @Test
    void shortRangedReads_areRetried() throws IOException {
        Backend shortReads = new RetryingBackend(new FaultyBackend(new LocalBackend(dir.resolve("s")), 9)
                .truncateRate(0.5), 30, 1, 1, millis -> { });
        shortReads.put("data/00/p", new byte[1000], 0, 1000);
        for (int i = 0; i < 20; i++) {
            assertThat(shortReads.get("data/00/p", 100, 500)).hasSize(500);
        }
    }

    @Test
    void transientFailures_areRetried_withCappedJitteredBackoff() throws IOException {
        for (int i = 0; i < 50; i++) {
            backend.put("index/x" + i, new byte[]{1}, 0, 1);
            assertThat(backend.get("index/x" + i, 0, 1)).containsExactly(1);
        }
        assertThat(sleeps).isNotEmpty().allMatch(s -> s >= 0 && s <= 4);
    }

    /**
     * A staged object that keeps what was written (an object store's temporary file) is committed
     * with retries, like a put: a commit that failed is tried again, and an attempt that failed
     * after storing the object counts as done once the object proves to hold these bytes.
     */
    @Test
    void retryableStagedCommits_areRetried_andALandedAttemptCounts() throws IOException {
        LocalBackend store = new LocalBackend(dir.resolve("staged"));
        int[] commits = {0};
        // Commit 1 fails before storing, commit 2 stores and then fails (the reply was lost), commit 3
        // meets the stored object.
        Backend flaky = new dev.cairn.testing.ForwardingBackend(store) {
            @Override
            public Staged stage(String prefix, int sizeHint) {
                java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
                return new Staged.Retryable() {
                    @Override
                    public void write(byte[] b, int off, int len) {
                        bytes.write(b, off, len);
                    }

                    @Override
                    public void commit(String name) throws IOException {
                        commits[0]++;
                        if (commits[0] == 1) {
                            throw new IOException("connection reset before the upload");
                        }
                        byte[] b = bytes.toByteArray();
                        store.put(name, b, 0, b.length);
                        if (commits[0] == 2) {
                            throw new IOException("connection reset after the upload");
                        }
                    }

                    @Override
                    public boolean stored(String name) throws IOException {
                        return java.util.Arrays.equals(store.get(name), bytes.toByteArray());
                    }

                    @Override
                    public void close() {
                    }
                };
            }
        };
        Backend r = new RetryingBackend(flaky, 5, 1, 1, millis -> { });
        try (Backend.Staged s = r.stage("data/", 10)) {
            s.write(new byte[]{1, 2, 3}, 0, 3);
            s.commit("data/00/p");
        }
        assertThat(commits[0]).isEqualTo(3);
        assertThat(store.get("data/00/p")).containsExactly(1, 2, 3);

        // Another object under that name: not ours, so the commit fails.
        commits[0] = 1;
        try (Backend.Staged s = r.stage("data/", 10)) {
            s.write(new byte[]{9}, 0, 1);
            assertThatThrownBy(() -> s.commit("data/00/p")).isInstanceOf(java.nio.file.FileAlreadyExistsException.class);
        }
        assertThat(store.get("data/00/p")).containsExactly(1, 2, 3);
    }

    @Test
    void permanentErrors_areNotRetried() {
        int[] calls = {0};
        Backend r = new RetryingBackend(new LocalBackend(dir.resolve("other")), 5, 1, 1, millis -> calls[0]++);
        assertThatThrownBy(() -> r.get("snapshots/none")).isInstanceOf(NoSuchFileException.class);
        assertThat(calls[0]).isZero();
    }

    @Test
    void givesUp_afterAttempts_withTheLastError() {
        Backend always = new FaultyBackend(new LocalBackend(dir.resolve("x")), 5).failRate(1.0);
        Backend r = new RetryingBackend(always, 3, 1, 1, millis -> { });
        assertThatThrownBy(() -> r.list("data/")).isInstanceOf(IOException.class)
                .hasMessageContaining("after 3 attempts").hasMessageContaining("injected fault");
    }
}
