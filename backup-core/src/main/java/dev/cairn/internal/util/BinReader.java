package dev.cairn.internal.util;

import dev.cairn.IntegrityException;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A bounds-checked little-endian reader over untrusted bytes: every length and count is checked
 * against what remains before anything is allocated, and errors are {@link IntegrityException}s
 * naming the object.
 */
public final class BinReader {
    private final byte[] buf;
    private final int end;
    private final String what;
    private int pos;

    public BinReader(byte[] buf, String what) {
        this(buf, 0, buf.length, what);
    }

    public BinReader(byte[] buf, int off, int len, String what) {
        this.buf = buf;
        this.pos = off;
        this.end = off + len;
        this.what = what;
    }

    private IntegrityException bad(String msg) {
        return new IntegrityException(what + " is malformed: " + msg + " at byte " + pos);
    }

    private void need(long n) {
        if (n < 0 || n > end - pos) {
            throw bad("needs " + n + " bytes but " + (end - pos) + " remain");
        }
    }

    public int remaining() {
        return end - pos;
    }

    public int u8() {
        need(1);
        return buf[pos++] & 0xff;
    }

    public long u32() {
        need(4);
        long v = (buf[pos] & 0xffL) | (buf[pos + 1] & 0xffL) << 8 | (buf[pos + 2] & 0xffL) << 16
                | (buf[pos + 3] & 0xffL) << 24;
        pos += 4;
        return v;
    }

    /** A u32 that must fit an int and be at most {@code max}. */
    public int u32Max(long max, String field) {
        long v = u32();
        if (v > max || v > Integer.MAX_VALUE) {
            throw bad(field + " " + v + " exceeds " + max);
        }
        return (int) v;
    }

    /** A count of items each at least {@code minItemBytes} long: bounded by what remains. */
    public int count(int minItemBytes, String field) {
        return u32Max((long) remaining() / Math.max(1, minItemBytes), field);
    }

    public long u64() {
        need(8);
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v |= (buf[pos + i] & 0xffL) << (8 * i);
        }
        pos += 8;
        return v;
    }

    public byte[] raw(int n) {
        need(n);
        byte[] out = Bytes.copy(buf, pos, pos + n);
        pos += n;
        return out;
    }

    public void expect(byte[] magic, String field) {
        need(magic.length);
        for (int i = 0; i < magic.length; i++) {
            if (buf[pos + i] != magic[i]) {
                throw bad("wrong " + field);
            }
        }
        pos += magic.length;
    }

    public byte[] bytes(int max) {
        int n = u32Max(max, "length");
        return raw(n);
    }

    public String str(int max) {
        int n = u32Max(max, "string length");
        need(n);
        try {
            String s = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(buf, pos, n)).toString();
            pos += n;
            return s;
        } catch (CharacterCodingException e) {
            throw bad("invalid UTF-8 in a string");
        }
    }

    public void end() {
        if (pos != end) {
            throw bad((end - pos) + " unexpected trailing bytes");
        }
    }
}
