package dev.cairn.mysql;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * The dump tool's standard output on its way into the pipeline. It watches for the first line
 * that the tool can only write after it opened its consistent snapshot, and then runs
 * {@code onSnapshotOpened} once (at the latest at the end of the stream); and it keeps the last
 * bytes so that a dump cut short (no {@code -- Dump completed} trailer) is recognized.
 *
 * <p>Why a line proves the snapshot is open: the tool writes only its header (fixed text, host,
 * database name, server version) before {@code START TRANSACTION WITH CONSISTENT SNAPSHOT};
 * every structure comment ({@code -- Table structure for table …}, {@code -- Dumping routines …})
 * is written after it. The tool buffers its output, so the line arrives a little later than it was
 * produced, never earlier. Not thread-safe.
 */
final class DumpStream extends FilterInputStream {
    private static final String[] AFTER_SNAPSHOT = {"-- Table structure for table", "-- Temporary table structure for view",
            "-- Dumping data for table", "-- Dumping events for database", "-- Dumping routines for database",
            "-- Final view structure for view", "-- Current Database:", "-- Dump completed"};
    private static final int LINE_KEEP = 48;
    private static final int TAIL = 512;

    /** Called once the snapshot is known to be open. */
    interface Callback {
        void run() throws IOException;
    }

    private Callback onSnapshotOpened;
    private final byte[] line = new byte[LINE_KEEP];
    private int lineLen;
    private boolean lineOverflow;
    private final byte[] tail = new byte[TAIL];
    private long count;

    DumpStream(InputStream in, Callback onSnapshotOpened) {
        super(in);
        this.onSnapshotOpened = onSnapshotOpened;
    }

    @Override
    public int read() throws IOException {
        byte[] b = new byte[1];
        int n = read(b, 0, 1);
        return n < 0 ? -1 : b[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, len);
        if (n < 0) {
            fire();
            return n;
        }
        if (onSnapshotOpened != null) {
            scan(b, off, n);
        }
        keepTail(b, off, n);
        count += n;
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        throw new IOException("skip is not supported on a dump stream");
    }

    private void scan(byte[] b, int off, int n) throws IOException {
        for (int i = off; i < off + n && onSnapshotOpened != null; i++) {
            byte c = b[i];
            if (c == '\n') {
                check();
                lineLen = 0;
                lineOverflow = false;
            } else if (lineLen < LINE_KEEP) {
                line[lineLen++] = c;
            } else if (!lineOverflow) {
                lineOverflow = true;
                check();
            }
        }
    }

    private void check() throws IOException {
        if (lineLen < 3 || line[0] != '-' || line[1] != '-') {
            return;
        }
        String s = new String(line, 0, lineLen, StandardCharsets.ISO_8859_1);
        for (String m : AFTER_SNAPSHOT) {
            if (s.startsWith(m)) {
                fire();
                return;
            }
        }
    }

    private void fire() throws IOException {
        Callback c = onSnapshotOpened;
        onSnapshotOpened = null;
        if (c != null) {
            c.run();
        }
    }

    private void keepTail(byte[] b, int off, int n) {
        if (n >= TAIL) {
            System.arraycopy(b, off + n - TAIL, tail, 0, TAIL);
        } else {
            System.arraycopy(tail, n, tail, 0, TAIL - n);
            System.arraycopy(b, off, tail, TAIL - n, n);
        }
    }

    /** Bytes read so far. */
    long count() {
        return count;
    }

    /** True when the last non-empty line is the tool's {@code -- Dump completed} trailer. */
    boolean completed() {
        int have = (int) Math.min(count, TAIL);
        String t = new String(tail, TAIL - have, have, StandardCharsets.ISO_8859_1).stripTrailing();
        int nl = t.lastIndexOf('\n');
        return t.substring(nl + 1).startsWith("-- Dump completed");
    }
}
