package dev.cairn.backend;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The {@link Backend} contract, run against every implementation: extend it and return a fresh,
 * empty backend from {@link #newBackend()} (each test class its own directory, bucket or prefix).
 */
public abstract class BackendContractTest {
    protected Backend backend;

    /** A new, empty backend. */
    protected abstract Backend newBackend() throws Exception;

    @BeforeEach
    void open() throws Exception {
        backend = newBackend();
    }

    @AfterEach
    void close() throws Exception {
        backend.close();
    }

    private static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void put_thenGet_returnsSameBytes() throws IOException {
        byte[] data = bytes(100_000, 1);
        backend.put("data/ab/abcdef", data, 0, data.length);
        assertThat(backend.get("data/ab/abcdef")).isEqualTo(data);
        try (InputStream in = backend.open("data/ab/abcdef")) {
            assertThat(in.readAllBytes()).isEqualTo(data);
        }
    }

    @Test
    void put_withOffset_storesOnlyTheSlice() throws IOException {
        byte[] data = "xxhelloxx".getBytes(StandardCharsets.US_ASCII);
        backend.put("config", data, 2, 5);
        assertThat(backend.get("config")).isEqualTo("hello".getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void put_existingName_isRefused_andKeepsOriginal() throws IOException {
        backend.put("keys/k1", new byte[]{1, 2, 3}, 0, 3);
        assertThatThrownBy(() -> backend.put("keys/k1", new byte[]{9}, 0, 1))
                .isInstanceOf(FileAlreadyExistsException.class);
        assertThat(backend.get("keys/k1")).containsExactly(1, 2, 3);
    }

    /**
     * A staged write (a pack, named by its hash once written): nothing is listed until commit, the
     * pieces are stored in order, the name is create-only like put's, and a write closed without
     * commit leaves nothing behind.
     */
    @Test
    void staged_writesPieces_thenCommits_orLeavesNothing() throws IOException {
        byte[] data = bytes(300_000, 7);
        try (Backend.Staged s = backend.stage("data/", 1000)) {
            s.write(data, 0, 100);
            s.write(data, 100, 200_000);
            s.write(data, 200_100, data.length - 200_100);
            assertThat(backend.list("data/")).isEmpty();
            s.commit("data/5e/staged");
        }
        assertThat(backend.get("data/5e/staged")).isEqualTo(data);
        assertThat(backend.list("data/")).extracting(ObjectInfo::name).containsExactly("data/5e/staged");

        try (Backend.Staged s = backend.stage("data/", 10)) {
            s.write(new byte[]{1, 2}, 0, 2);
            assertThatThrownBy(() -> s.commit("data/5e/staged")).isInstanceOf(FileAlreadyExistsException.class);
        }
        assertThat(backend.get("data/5e/staged")).isEqualTo(data);

        try (Backend.Staged s = backend.stage("data/", 10)) {
            s.write(data, 0, 5000);
        }
        assertThat(backend.list("data/")).extracting(ObjectInfo::name).containsExactly("data/5e/staged");
    }

    @Test
    void rangeGet_returnsExactRange() throws IOException {
        byte[] data = bytes(10_000, 2);
        backend.put("data/00/pack", data, 0, data.length);
        byte[] r = backend.get("data/00/pack", 1234, 500);
        assertThat(r).isEqualTo(java.util.Arrays.copyOfRange(data, 1234, 1734));
        assertThat(backend.get("data/00/pack", 9990, 10)).isEqualTo(java.util.Arrays.copyOfRange(data, 9990, 10000));
    }

    /** A range read into the caller's buffer: from index 0 of it when it is long enough, else a new array. */
    @Test
    void rangeGet_intoABuffer_holdsTheRangeFromItsStart() throws IOException {
        byte[] data = bytes(10_000, 3);
        backend.put("data/00/buffered", data, 0, data.length);
        byte[] buf = new byte[4096];
        java.util.Arrays.fill(buf, (byte) 0x5a);
        byte[] r = backend.get("data/00/buffered", 100, 1000, buf);
        assertThat(r.length).isGreaterThanOrEqualTo(1000);
        assertThat(java.util.Arrays.copyOf(r, 1000)).isEqualTo(java.util.Arrays.copyOfRange(data, 100, 1100));
        byte[] again = backend.get("data/00/buffered", 5000, 4096, r); // the same buffer, refilled
        assertThat(java.util.Arrays.copyOf(again, 4096)).isEqualTo(java.util.Arrays.copyOfRange(data, 5000, 9096));
        byte[] larger = backend.get("data/00/buffered", 0, 8000, buf); // longer than the buffer
        assertThat(java.util.Arrays.copyOf(larger, 8000)).isEqualTo(java.util.Arrays.copyOf(data, 8000));
        assertThatThrownBy(() -> backend.get("data/00/buffered", 9990, 20, buf)).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> backend.get("snapshots/missing", 0, 1, buf)).isInstanceOf(NoSuchFileException.class);
    }

    /**
     * A stream over a range holds exactly its bytes, across the pieces a backend reads it in;
     * where the object ends sooner it ends sooner, or fails; a missing object is NoSuchFile.
     */
    @Test
    void openRange_streamsExactlyTheRange() throws IOException {
        byte[] data = bytes(3 * 1024 * 1024 + 5, 4);
        backend.put("data/00/streamed", data, 0, data.length);
        try (java.io.InputStream in = backend.open("data/00/streamed", 1000, data.length - 2000)) {
            assertThat(in.readAllBytes()).isEqualTo(java.util.Arrays.copyOfRange(data, 1000, data.length - 1000));
        }
        try (java.io.InputStream in = backend.open("data/00/streamed", 7, 10)) {
            assertThat(in.read()).isEqualTo(data[7] & 0xff);
            assertThat(in.readNBytes(100)).isEqualTo(java.util.Arrays.copyOfRange(data, 8, 17));
            assertThat(in.read()).isEqualTo(-1);
        }
        byte[] tail = null;
        try (java.io.InputStream in = backend.open("data/00/streamed", data.length - 10, 20)) {
            tail = in.readAllBytes();
        } catch (IOException e) {
            // failing is as good as ending sooner
        }
        if (tail != null) {
            assertThat(tail).isEqualTo(java.util.Arrays.copyOfRange(data, data.length - 10, data.length));
        }
        assertThatThrownBy(() -> {
            try (java.io.InputStream in = backend.open("data/00/absent", 0, 10)) {
                in.read();
            }
        }).isInstanceOf(NoSuchFileException.class);
    }

    /**
     * Large reads (a pack, ranges of it for a restore; on a local disk these use direct I/O, whose
     * reads start and end on 4 KiB boundaries) return exactly the bytes asked for, from any offset.
     */
    @Test
    void largeReads_anyOffset_exactBytes() throws IOException {
        byte[] data = bytes(5 * 1024 * 1024 + 3, 8);
        backend.put("data/00/large", data, 0, data.length);
        assertThat(backend.get("data/00/large")).isEqualTo(data);
        for (long off : new long[]{0, 1, 4095, 4096, 4097 + 5, 1024 * 1024 + 17}) {
            int len = 3 * 1024 * 1024 + 11;
            byte[] buf = new byte[len + 100];
            byte[] got = backend.get("data/00/large", off, len, buf);
            assertThat(java.util.Arrays.copyOf(got, len)).as("get at %d", off)
                    .isEqualTo(java.util.Arrays.copyOfRange(data, (int) off, (int) off + len));
            try (java.io.InputStream in = backend.open("data/00/large", off, len)) {
                assertThat(in.readAllBytes()).as("open at %d", off)
                        .isEqualTo(java.util.Arrays.copyOfRange(data, (int) off, (int) off + len));
            }
        }
        assertThatThrownBy(() -> backend.get("data/00/large", data.length - 1024 * 1024, 2 * 1024 * 1024))
                .isInstanceOf(IOException.class);
    }

    @Test
    void rangeGet_beyondEnd_fails() throws IOException {
        backend.put("data/00/short", new byte[10], 0, 10);
        assertThatThrownBy(() -> backend.get("data/00/short", 5, 10)).isInstanceOf(IOException.class);
    }

    @Test
    void get_missing_throwsNoSuchFile() {
        assertThatThrownBy(() -> backend.get("snapshots/missing")).isInstanceOf(NoSuchFileException.class);
        assertThatThrownBy(() -> backend.get("snapshots/missing", 0, 1)).isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void stat_reportsSize_orEmpty() throws IOException {
        backend.put("index/i1", new byte[42], 0, 42);
        assertThat(backend.stat("index/i1")).contains(42L);
        assertThat(backend.stat("index/nope")).isEmpty();
        assertThat(backend.exists("index/i1")).isTrue();
    }

    @Test
    void list_byPrefix_seesEverything_andNothingElse() throws IOException {
        for (int i = 0; i < 30; i++) {
            backend.put("data/" + String.format("%02x", i % 3) + "/p" + i, new byte[i], 0, i);
        }
        backend.put("index/x", new byte[1], 0, 1);
        backend.put("snapshots/s", new byte[1], 0, 1);
        List<ObjectInfo> data = backend.list("data/");
        assertThat(data).hasSize(30);
        assertThat(data).allMatch(o -> o.name().startsWith("data/"));
        assertThat(data).anySatisfy(o -> {
            assertThat(o.name()).isEqualTo("data/02/p5");
            assertThat(o.size()).isEqualTo(5);
        });
        assertThat(backend.list("index/")).extracting(ObjectInfo::name).containsExactly("index/x");
        assertThat(backend.list("locks/")).isEmpty();
    }

    @Test
    void delete_removes_andIsIdempotent() throws IOException {
        backend.put("locks/l", new byte[1], 0, 1);
        backend.delete("locks/l");
        backend.delete("locks/l");
        assertThat(backend.exists("locks/l")).isFalse();
        assertThat(backend.list("locks/")).isEmpty();
    }

    @Test
    void emptyObject_roundTrips() throws IOException {
        backend.put("snapshots/empty", new byte[0], 0, 0);
        assertThat(backend.get("snapshots/empty")).isEmpty();
        assertThat(backend.stat("snapshots/empty")).contains(0L);
    }

    @Test
    void concurrentPuts_ofSameName_exactlyOneWins() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> fs = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                byte v = (byte) i;
                fs.add(pool.submit(() -> {
                    try {
                        backend.put("locks/race", new byte[]{v, v, v}, 0, 3);
                        return true;
                    } catch (FileAlreadyExistsException e) {
                        return false;
                    }
                }));
            }
            int wins = 0;
            for (Future<Boolean> f : fs) {
                wins += f.get() ? 1 : 0;
            }
            assertThat(wins).isEqualTo(1);
            byte[] b = backend.get("locks/race");
            assertThat(b).hasSize(3);
            assertThat(b[0]).isEqualTo(b[1]).isEqualTo(b[2]);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void location_hasNoCredentials() {
        assertThat(backend.location()).doesNotContainIgnoringCase("secret").doesNotContain("@");
    }
}
