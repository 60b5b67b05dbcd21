package dev.cairn.internal.util;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DirectInputTest {
    @TempDir
    Path tmp;

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static byte[] readAll(InputStream in, Random sizes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[1 << 20];
        while (true) {
            int n = in.read(buf, 0, 1 + sizes.nextInt(buf.length));
            if (n < 0) {
                return out.toByteArray();
            }
            out.write(buf, 0, n);
        }
    }

    private InputStream direct(Path f, long at) {
        InputStream in = DirectInput.open(f, at, true);
        Assumptions.assumeTrue(in != null, "direct I/O refused by the file system of " + tmp);
        assertThat(in).isInstanceOf(DirectInput.class);
        return in;
    }

    /** Every byte, in reads of random sizes: empty, one byte, exactly one and two blocks, blocks and a tail, from an offset. */
    @Test
    void readsEveryByte_atAnySize_fromAnAlignedPosition() throws IOException {
        int b = DirectInput.BLOCK;
        for (int size : new int[]{0, 1, 4095, 4096, b, 2 * b, 2 * b + 777, 3 * b - 4096}) {
            byte[] data = random(size, size);
            Path f = Files.write(tmp.resolve("f" + size), data);
            try (InputStream in = direct(f, 0)) {
                assertThat(readAll(in, new Random(size))).as("size %d", size).isEqualTo(data);
                assertThat(in.read(new byte[10], 0, 10)).isEqualTo(-1);
            }
        }
        byte[] data = random(b + 10_000, 9);
        Path f = Files.write(tmp.resolve("at"), data);
        try (InputStream in = direct(f, 8192)) {
            assertThat(readAll(in, new Random(1))).isEqualTo(Arrays.copyOfRange(data, 8192, data.length));
        }
        assertThat(DirectInput.open(f, 100, true)).as("unaligned position").isNull();
        InputStream closed = direct(f, 0);
        closed.close();
        assertThatThrownBy(() -> closed.read(new byte[1], 0, 1)).isInstanceOf(IOException.class);
    }

    /** A file cut short while it is read ends where it now ends (what a read through the cache does). */
    @Test
    void fileTruncatedWhileRead_endsWhereItEnds() throws IOException {
        byte[] data = random(3 * DirectInput.BLOCK, 5);
        Path f = Files.write(tmp.resolve("shrinks"), data);
        try (InputStream in = direct(f, 0)) {
            byte[] first = in.readNBytes(1 << 20);
            try (FileChannel w = FileChannel.open(f, StandardOpenOption.WRITE)) {
                w.truncate(DirectInput.BLOCK + 5000);
            }
            byte[] rest = readAll(in, new Random(3));
            byte[] all = Arrays.copyOf(first, first.length + rest.length);
            System.arraycopy(rest, 0, all, first.length, rest.length);
            assertThat(all).isEqualTo(Arrays.copyOf(data, DirectInput.BLOCK + 5000));
        }
    }

    /**
     * A missing file: null (the caller's plain open reports it). On tmpfs, which older kernels refuse
     * direct I/O and newer ones accept: null, or the file's bytes.
     */
    @Test
    void missing_isNull_tmpfs_nullOrTheBytes() throws IOException {
        assertThat(DirectInput.open(tmp.resolve("missing"), 0, true)).isNull();
        Path shm = Path.of("/dev/shm");
        Assumptions.assumeTrue(Files.isDirectory(shm) && "tmpfs".equals(Files.getFileStore(shm).type()),
                "no tmpfs at /dev/shm");
        byte[] data = random(DirectInput.BLOCK + 123, 11);
        Path f = Files.write(Files.createTempFile(shm, "cairn-direct", ".bin"), data);
        try (InputStream in = DirectInput.open(f, 0, true)) {
            if (in != null) {
                assertThat(readAll(in, new Random(4))).isEqualTo(data);
            }
        } finally {
            Files.delete(f);
        }
    }
}
