package dev.cairn.mysql;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/**
 * Rewrites a dump stream on its way into the client so that it lands in another database and
 * cannot reach the one it came from. A small SQL lexer (strings, quoted identifiers, comments,
 * executable comments {@code /*!50003 … *}{@code /}, {@code DELIMITER} blocks need nothing special)
 * finds identifiers equal to the source database that
 * <ul>
 * <li>qualify a name ({@code `shop`.t}, {@code shop.t}, {@code "shop".t} under ANSI_QUOTES), as
 *     trigger, routine and event bodies may (the dump tool copies them verbatim; views it writes
 *     unqualified), or</li>
 * <li>follow {@code DATABASE}, {@code SCHEMA} or {@code USE} ({@code ALTER DATABASE `shop` …},
 *     which the tool writes around routines whose collation differs)</li>
 * </ul>
 * and writes the target's name instead, back-quoted. String literals, comments and data are never
 * changed (a row holding the text {@code 'shop.t'} stays as it is). The lexer follows
 * {@code SET sql_mode = '…'} statements for ANSI_QUOTES and NO_BACKSLASH_ESCAPES, as routine
 * bodies are written under their own SQL mode. Known limit: a table alias spelled like the
 * source database ({@code FROM t AS shop … shop.col}) would be renamed too.
 *
 * <p>Optionally ({@code disableEvents}) {@code CREATE EVENT … ENABLE} becomes {@code DISABLE}, so
 * that events of a scratch copy do not run (drills). Not thread-safe.
 */
final class SchemaRewriter extends InputStream {
    private enum State { CODE, SQ, SQ_ESC, DQ, DQ_ESC, BT, BT_END, IDENT, DASH1, DASH2, LINE_COMMENT, SLASH, SLASH_STAR,
        SLASH_STAR_M, BLOCK, BLOCK_STAR, EXEC_DIGITS }

    private final InputStream in;
    /** Source database name (UTF-8, as a string of ISO-8859-1 chars for lookup) → back-quoted target. */
    private final java.util.Map<String, byte[]> renames = new java.util.HashMap<>();
    private final boolean disableEvents;

    private final byte[] inBuf = new byte[64 * 1024];
    private byte[] out = new byte[96 * 1024];
    private int outStart;
    private int outEnd;
    private boolean eof;

    private State state = State.CODE;
    private boolean ansiQuotes;
    private boolean noBackslash;
    /** The identifier being read (unquoted, back-quoted, or double-quoted under ANSI_QUOTES). */
    private byte[] tok = new byte[128];
    private int tokLen;
    private byte[] raw = new byte[128];
    private int rawLen;
    private boolean tokQuoted;
    /** Whether the finished identifier waits for the next byte (is it followed by '.'?). */
    private boolean pending;
    /** The next identifier names a database (after DATABASE, SCHEMA, USE, and IF NOT EXISTS). */
    private boolean schemaNext;
    private int stmtTokens;
    private String stmtFirst = "";
    private boolean stmtSqlMode;
    private boolean eventHeader;
    private final StringBuilder literal = new StringBuilder();
    private boolean captureLiteral;

    SchemaRewriter(InputStream in, String from, String to, boolean disableEvents) {
        this(in, java.util.Map.of(from, to), disableEvents);
    }

    /**
     * Renames every database in {@code renames} (source → target): restoring a set of databases
     * together keeps their references to each other inside the set; references to databases not
     * in the map stay as they are.
     */
    SchemaRewriter(InputStream in, java.util.Map<String, String> renames, boolean disableEvents) {
        this.in = in;
        renames.forEach((f, t) -> this.renames.put(new String(f.getBytes(StandardCharsets.UTF_8),
                StandardCharsets.ISO_8859_1), Checksums.quote(t).getBytes(StandardCharsets.UTF_8)));
        this.disableEvents = disableEvents;
    }

    @Override
    public int read() throws IOException {
        byte[] b = new byte[1];
        int n = read(b, 0, 1);
        return n < 0 ? -1 : b[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (outStart == outEnd) {
            if (eof) {
                return -1;
            }
            outStart = 0;
            outEnd = 0;
            int n = in.read(inBuf);
            if (n < 0) {
                eof = true;
                finish();
            } else {
                for (int i = 0; i < n; i++) {
                    step(inBuf[i]);
                }
            }
        }
        int n = Math.min(len, outEnd - outStart);
        System.arraycopy(out, outStart, b, off, n);
        outStart += n;
        return n;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    private void emit(int c) {
        if (outEnd == out.length) {
            out = Arrays.copyOf(out, out.length * 2);
        }
        out[outEnd++] = (byte) c;
    }

    private void emit(byte[] b, int n) {
        for (int i = 0; i < n; i++) {
            emit(b[i]);
        }
    }

    private static boolean identChar(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '$'
                || c >= 0x80;
    }

    private void step(byte b) {
        int c = b & 0xff;
        if (pending) {
            pending = false;
            flushIdent(c == '.');
        }
        switch (state) {
            case CODE -> code(c);
            case IDENT -> {
                if (identChar(c)) {
                    tokAdd(c);
                    rawAdd(c);
                } else {
                    state = State.CODE;
                    endIdent();
                    step(b);
                }
            }
            case BT -> {
                rawAdd(c);
                if (c == '`') {
                    state = State.BT_END;
                } else {
                    tokAdd(c);
                }
            }
            case BT_END -> {
                if (c == '`') { // a doubled back-quote is one back-quote in the name
                    rawAdd(c);
                    tokAdd(c);
                    state = State.BT;
                } else {
                    state = State.CODE;
                    endIdent();
                    step(b);
                }
            }
            case SQ, DQ -> {
                int q = state == State.SQ ? '\'' : '"';
                if (state == State.DQ && ansiQuotes) {
                    rawAdd(c);
                    if (c == '"') {
                        state = State.CODE;
                        endIdent();
                    } else {
                        tokAdd(c);
                    }
                    return;
                }
                emit(c);
                if (c == q) {
                    state = State.CODE;
                    endLiteral();
                } else if (c == '\\' && !noBackslash) {
                    state = state == State.SQ ? State.SQ_ESC : State.DQ_ESC;
                } else if (captureLiteral && literal.length() < 4096) {
                    literal.append((char) c);
                }
            }
            case SQ_ESC -> {
                emit(c);
                state = State.SQ;
            }
            case DQ_ESC -> {
                emit(c);
                state = State.DQ;
            }
            case DASH1 -> {
                if (c == '-') {
                    state = State.DASH2;
                } else {
                    emit('-');
                    state = State.CODE;
                    step(b);
                }
            }
            case DASH2 -> {
                emit('-');
                emit('-');
                if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                    emit(c);
                    state = c == '\n' ? State.CODE : State.LINE_COMMENT;
                } else {
                    state = State.CODE;
                    step(b);
                }
            }
            case LINE_COMMENT -> {
                emit(c);
                if (c == '\n') {
                    state = State.CODE;
                }
            }
            case SLASH -> {
                if (c == '*') {
                    state = State.SLASH_STAR;
                } else {
                    emit('/');
                    state = State.CODE;
                    step(b);
                }
            }
            case SLASH_STAR -> {
                if (c == '!') { // executable comment: its content is code
                    emit('/'); emit('*'); emit('!');
                    state = State.EXEC_DIGITS;
                } else if (c == 'M') {
                    state = State.SLASH_STAR_M;
                } else {
                    emit('/'); emit('*');
                    state = State.BLOCK;
                    step(b);
                }
            }
            case SLASH_STAR_M -> {
                emit('/'); emit('*'); emit('M');
                if (c == '!') {
                    emit('!');
                    state = State.EXEC_DIGITS;
                } else {
                    state = State.BLOCK;
                    step(b);
                }
            }
            case EXEC_DIGITS -> {
                if (c >= '0' && c <= '9') {
                    emit(c);
                } else {
                    state = State.CODE;
                    step(b);
                }
            }
            case BLOCK -> {
                emit(c);
                if (c == '*') {
                    state = State.BLOCK_STAR;
                }
            }
            case BLOCK_STAR -> {
                emit(c);
                if (c == '/') {
                    state = State.CODE;
                } else if (c != '*') {
                    state = State.BLOCK;
                }
            }
        }
    }

    private void code(int c) {
        if (c == '`') {
            startIdent(true);
            rawAdd(c);
            state = State.BT;
        } else if (c == '"' && ansiQuotes) {
            startIdent(true);
            rawAdd(c);
            state = State.DQ;
        } else if (c == '\'' || c == '"') {
            emit(c);
            captureLiteral = stmtSqlMode;
            literal.setLength(0);
            state = c == '\'' ? State.SQ : State.DQ;
        } else if (c == '#') {
            emit(c);
            state = State.LINE_COMMENT;
        } else if (c == '-') {
            state = State.DASH1;
        } else if (c == '/') {
            state = State.SLASH;
        } else if (identChar(c)) {
            startIdent(false);
            tokAdd(c);
            rawAdd(c);
            state = State.IDENT;
        } else {
            if (c == ';') {
                stmtTokens = 0;
                stmtFirst = "";
                stmtSqlMode = false;
                eventHeader = false;
                schemaNext = false;
            } else if (c == '@' && stmtSqlMode) { // SET sql_mode = @saved_sql_mode: back to the dump's own mode
                ansiQuotes = false;
                noBackslash = false;
                stmtSqlMode = false;
            }
            if (c > ' ' && c != '*' && c != '/') { // "*/" may close /*!32312 IF NOT EXISTS*/
                schemaNext = false;
            }
            emit(c);
        }
    }

    private void startIdent(boolean quoted) {
        tokLen = 0;
        rawLen = 0;
        tokQuoted = quoted;
    }

    private void tokAdd(int c) {
        if (tokLen == tok.length) {
            tok = Arrays.copyOf(tok, tok.length * 2);
        }
        tok[tokLen++] = (byte) c;
    }

    private void rawAdd(int c) {
        if (rawLen == raw.length) {
            raw = Arrays.copyOf(raw, raw.length * 2);
        }
        raw[rawLen++] = (byte) c;
    }

    /** An identifier ended; whether it is renamed depends on the next byte. */
    private void endIdent() {
        pending = true;
    }

    /** The renamed identifier, or null when the token is not a source database. */
    private byte[] renamed() {
        if (tokLen > 256) {
            return null;
        }
        byte[] to = renames.get(new String(tok, 0, tokLen, StandardCharsets.ISO_8859_1));
        if (to == null || tokQuoted) {
            return to;
        }
        for (int i = 0; i < tokLen; i++) { // an unquoted number is never a database name
            if (tok[i] < '0' || tok[i] > '9') {
                return to;
            }
        }
        return null;
    }

    private void flushIdent(boolean qualifier) {
        byte[] to = qualifier || schemaNext ? renamed() : null;
        if (to != null) {
            emit(to, to.length);
        } else if (!tokQuoted && disableEvents && eventHeader && keyword().equals("ENABLE")) {
            emit("DISABLE".getBytes(StandardCharsets.US_ASCII), 7);
        } else {
            emit(raw, rawLen);
        }
        String kw = tokQuoted ? "" : keyword();
        stmtTokens++;
        if (stmtTokens == 1) {
            stmtFirst = kw;
        } else if (stmtTokens == 2 && stmtFirst.equals("SET") && kw.equals("SQL_MODE")) {
            stmtSqlMode = true;
        } else if (!kw.isEmpty() && stmtSqlMode) {
            stmtSqlMode = false;
        }
        if (kw.equals("EVENT") && stmtFirst.equals("CREATE")) {
            eventHeader = true;
        } else if (kw.equals("DO")) {
            eventHeader = false;
        }
        if (kw.equals("DATABASE") || kw.equals("SCHEMA") || kw.equals("USE")) {
            schemaNext = true;
        } else if (!(schemaNext && (kw.equals("IF") || kw.equals("NOT") || kw.equals("EXISTS")))) {
            schemaNext = false;
        }
    }

    private String keyword() {
        if (tokLen > 16) {
            return "";
        }
        return new String(tok, 0, tokLen, StandardCharsets.ISO_8859_1).toUpperCase(Locale.ROOT);
    }

    private void endLiteral() {
        if (captureLiteral) {
            String mode = literal.toString().toUpperCase(Locale.ROOT);
            ansiQuotes = mode.contains("ANSI_QUOTES") || mode.matches("(^|.*,)ANSI(,.*|$)");
            noBackslash = mode.contains("NO_BACKSLASH_ESCAPES");
            stmtSqlMode = false;
            captureLiteral = false;
        }
        stmtTokens++;
        schemaNext = false;
    }

    private void finish() {
        if (pending) {
            pending = false;
            flushIdent(false);
        }
        switch (state) {
            case IDENT, BT, BT_END -> flushIdent(false);
            case DASH1 -> emit('-');
            case DASH2 -> { emit('-'); emit('-'); }
            case SLASH -> emit('/');
            case SLASH_STAR -> { emit('/'); emit('*'); }
            case SLASH_STAR_M -> { emit('/'); emit('*'); emit('M'); }
            default -> { }
        }
        if (state == State.DQ && ansiQuotes) {
            flushIdent(false);
        }
    }
}
