package dev.cairn.internal.util;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ReadAheadTest {
    /** A source of {@code data} that answers each read with at most a random few bytes, then optionally fails. */
    private static InputStream source(byte[] data, IOException failAtEnd) {
        Random r = new Random(7);
        return new InputStream() {
            private int pos;

            @Override
            public int read() {
                throw new UnsupportedOperationException();
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (pos == data.length) {
                    if (failAtEnd != null) {
                        throw failAtEnd;
                    }
                    return -1;
                }
                int n = Math.min(Math.min(len, 1 + r.nextInt(300_000)), data.length - pos);
                System.arraycopy(data, pos, b, off, n);
                pos += n;
                return n;
            }
        };
    }

    @Test
    void readsTheSourceExactly_inReadsOfAnySize() throws IOException, InterruptedException {
        byte[] data = new byte[5_000_000];
        new Random(1).nextBytes(data);
        Random sizes = new Random(2);
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        try (ReadAhead in = new ReadAhead(source(data, null))) {
            byte[] buf = new byte[700_000];
            int n;
            while ((n = in.read(buf, 0, 1 + sizes.nextInt(buf.length))) >= 0) {
                got.write(buf, 0, n);
            }
            assertThat(in.read()).isEqualTo(-1);
            assertThat(in.readerEnded(10_000)).isTrue();
        }
        assertThat(got.toByteArray()).isEqualTo(data);
    }

    /** Streams read one after the other through a pool share its buffers, and each reads back exactly. */
    @Test
    void buffersOfAPool_goBackAtClose_andServeTheNextStream() throws IOException {
        BufferPool pool = new BufferPool(ReadAhead.BUFFERS * (long) Bytes.IO_SLICE);
        for (int i = 0; i < 5; i++) {
            byte[] data = new byte[1_000_000 + i * 77_777];
            new Random(10 + i).nextBytes(data);
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            try (ReadAhead in = new ReadAhead(source(data, null), pool)) {
                in.transferTo(got);
            }
            assertThat(got.toByteArray()).isEqualTo(data);
            assertThat(pool.idleBytes()).isEqualTo(ReadAhead.BUFFERS * (long) Bytes.IO_SLICE);
        }
        assertThat(pool.created()).isEqualTo(ReadAhead.BUFFERS);
    }

    @Test
    void aFailureOfTheSource_comesAfterTheBytesBeforeIt() throws IOException {
        byte[] data = new byte[1_000_000];
        new Random(3).nextBytes(data);
        try (ReadAhead in = new ReadAhead(source(data, new IOException("disk gone")))) {
            byte[] got = new byte[data.length];
            int at = 0;
            int n;
            while (at < got.length && (n = in.read(got, at, got.length - at)) > 0) {
                at += n;
            }
            assertThat(got).isEqualTo(data);
            assertThatThrownBy(() -> in.read(new byte[10], 0, 10)).isInstanceOf(IOException.class)
                    .hasMessageContaining("disk gone");
        }
    }

    /** Closed before the end of an endless source, the reading thread stops (it waits on a full queue). */
    @Test
    void close_stopsTheReader() throws IOException, InterruptedException {
        InputStream endless = new InputStream() {
            @Override
            public int read() {
                return 0;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                return len;
            }
        };
        ReadAhead in = new ReadAhead(endless);
        assertThat(in.read(new byte[100], 0, 100)).isPositive();
        in.close();
        assertThat(in.readerEnded(10_000)).isTrue();
        assertThatThrownBy(() -> in.read(new byte[1], 0, 1)).isInstanceOf(IOException.class);
    }
}
