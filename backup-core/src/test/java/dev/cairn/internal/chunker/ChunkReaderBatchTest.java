package dev.cairn.internal.chunker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link ChunkReader#chunkBatches}: the same cuts as {@link ChunkReader#chunk}, bytes intact. */
class ChunkReaderBatchTest {
    private static final FastCdc STREAM = new FastCdc(seed(3), 8 * 1024, 32 * 1024, 128 * 1024, 2);

    private static byte[] seed(int s) {
        byte[] b = new byte[32];
        new Random(s).nextBytes(b);
        return b;
    }

    /** Text-like data with repeats (many cuts) after random data (cuts at max). */
    private static byte[] data(int n) {
        byte[] b = new byte[n];
        Random r = new Random(11);
        r.nextBytes(b);
        for (int i = n / 3; i < n; i++) {
            b[i] = (byte) ('a' + r.nextInt(6));
        }
        Arrays.fill(b, n / 2, Math.min(n, n / 2 + 600_000), (byte) 0); // a long run of one byte value
        return b;
    }

    private static List<byte[]> streamed(byte[] data) throws IOException {
        List<byte[]> out = new ArrayList<>();
        new ChunkReader(STREAM).chunk(new ByteArrayInputStream(data),
                (b, off, len) -> out.add(Arrays.copyOfRange(b, off, off + len)));
        return out;
    }

    /** Batches handed to a pool that copies each chunk out and only then releases the buffer. */
    private static List<byte[]> batched(ChunkReader reader, InputStream in) throws Exception {
        return batched(reader, in, false);
    }

    private static List<byte[]> batched(ChunkReader reader, InputStream in, boolean ahead) throws Exception {
        List<byte[][]> batches = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        List<java.util.concurrent.Future<byte[][]>> pending = new ArrayList<>();
        try {
            reader.chunkBatches(in, (buf, off, lens, count, done) -> pending.add(pool.submit(() -> {
                try {
                    byte[][] chunks = new byte[count][];
                    for (int i = 0, pos = off; i < count; pos += lens[i], i++) {
                        chunks[i] = Arrays.copyOfRange(buf, pos, pos + lens[i]);
                    }
                    return chunks;
                } finally {
                    done.run();
                }
            })), ahead);
            for (var f : pending) {
                batches.add(f.get());
            }
        } finally {
            pool.shutdown();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
        List<byte[]> out = new ArrayList<>();
        for (byte[][] b : batches) {
            out.addAll(List.of(b));
        }
        return out;
    }

    private static void assertSameChunks(List<byte[]> actual, List<byte[]> expected) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < expected.size(); i++) {
            assertThat(actual.get(i)).as("chunk %d", i).isEqualTo(expected.get(i));
        }
    }

    @Test
    void batches_cutWhereStreamingCuts_andKeepEveryByte() throws Exception {
        byte[] data = data(9 * 1024 * 1024 + 12_345);
        List<byte[]> expected = streamed(data);
        assertThat(expected.size()).isGreaterThan(100);
        ChunkReader reader = new ChunkReader(STREAM);
        for (boolean ahead : new boolean[]{false, true}) {
            assertSameChunks(batched(reader, new ByteArrayInputStream(data), ahead), expected);
            // The same reader again (its buffers all came back), reading in short pieces this time.
            InputStream trickle = new FilterInputStream(new ByteArrayInputStream(data)) {
                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    return super.read(b, off, Math.min(len, 1000));
                }
            };
            assertSameChunks(batched(reader, trickle, ahead), expected);
        }
    }

    @Test
    void shortAndEmptyStreams() throws Exception {
        ChunkReader reader = new ChunkReader(STREAM);
        for (boolean ahead : new boolean[]{false, true}) {
            assertThat(batched(reader, new ByteArrayInputStream(new byte[0]), ahead)).isEmpty();
            byte[] small = data(5000);
            assertSameChunks(batched(reader, new ByteArrayInputStream(small), ahead), streamed(small));
            int exact = ChunkReader.batchBufferSize(STREAM);
            // A buffer's worth, and exactly what its buffers hold past the room kept for a tail.
            for (int n : new int[]{exact, exact - STREAM.max(), 2 * (exact - STREAM.max())}) {
                byte[] full = data(n);
                assertSameChunks(batched(reader, new ByteArrayInputStream(full), ahead), streamed(full));
            }
        }
    }

    @Test
    @Timeout(60) // a buffer not returned would leave the last read waiting for one forever
    void aReadFailure_returnsTheBufferItHeld() throws Exception {
        ChunkReader reader = new ChunkReader(STREAM);
        byte[] data = data(3 * 1024 * 1024);
        for (int i = 0; i < 6; i++) { // more failures than the reader has buffers
            InputStream failing = new FilterInputStream(new ByteArrayInputStream(data)) {
                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    int n = super.read(b, off, len);
                    if (n < 0) {
                        throw new IOException("disk gone");
                    }
                    return n;
                }
            };
            boolean ahead = i % 2 == 1;
            assertThatThrownBy(() -> batched(reader, failing, ahead)).isInstanceOf(IOException.class)
                    .hasMessageContaining("disk gone");
        }
        assertSameChunks(batched(reader, new ByteArrayInputStream(data)), streamed(data));
        assertSameChunks(batched(reader, new ByteArrayInputStream(data), true), streamed(data));
    }

    /**
     * A sink that fails (a cancelled backup) ends a read-ahead batching: the reading thread stops
     * and every buffer comes back, so the same reader chunks the next stream.
     */
    @Test
    @Timeout(60)
    void aFailingSink_stopsTheReadAhead_andReturnsEveryBuffer() throws Exception {
        ChunkReader reader = new ChunkReader(STREAM);
        byte[] data = data(9 * 1024 * 1024);
        for (int i = 0; i < 6; i++) {
            int[] batches = {0};
            assertThatThrownBy(() -> reader.chunkBatches(new ByteArrayInputStream(data), (buf, off, lens, count, done) -> {
                done.run();
                if (++batches[0] == 2) {
                    throw new IllegalStateException("cancelled");
                }
            }, true)).hasMessage("cancelled");
        }
        assertSameChunks(batched(reader, new ByteArrayInputStream(data), true), streamed(data));
    }
}
