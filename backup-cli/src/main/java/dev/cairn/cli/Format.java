package dev.cairn.cli;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Text formatting for human output: sizes, times, modes, tables. Stateless, thread-safe. */
final class Format {
    /** The --time and table time format, in the local time zone. */
    static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss", Locale.ROOT);

    private Format() {
    }

    static String time(Instant t) {
        return TIME.format(t.atZone(ZoneId.systemDefault()));
    }

    /** Binary units: {@code 512 B}, {@code 1.5 KiB}, {@code 3.2 GiB}. */
    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    static String millis(long ms) {
        return ms < 1000 ? ms + " ms" : String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
    }

    /** An {@code ls -l} mode string: {@code drwxr-xr-x}, {@code -rwsr-x--T}. */
    static String mode(String type, int mode) {
        char t = switch (type) {
            case "dir" -> 'd';
            case "symlink" -> 'l';
            case "fifo" -> 'p';
            case "chardev" -> 'c';
            case "blockdev" -> 'b';
            case "socket" -> 's';
            default -> '-';
        };
        char[] c = new char[10];
        c[0] = t;
        String rwx = "rwxrwxrwx";
        for (int i = 0; i < 9; i++) {
            c[i + 1] = (mode & (1 << (8 - i))) != 0 ? rwx.charAt(i) : '-';
        }
        c[3] = special(c[3], (mode & 04000) != 0, 's');
        c[6] = special(c[6], (mode & 02000) != 0, 's');
        c[9] = special(c[9], (mode & 01000) != 0, 't');
        return new String(c);
    }

    private static char special(char x, boolean set, char lower) {
        if (!set) {
            return x;
        }
        return x == '-' ? Character.toUpperCase(lower) : lower;
    }

    /** Escapes control characters ({@code \n}, {@code \x1b}), so that a stored name cannot forge output lines. */
    static String printable(String s) {
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isISOControl(c)) {
                if (sb == null) {
                    sb = new StringBuilder(s.substring(0, i));
                }
                switch (c) {
                    case '\n' -> sb.append("\\n");
                    case '\t' -> sb.append("\\t");
                    case '\r' -> sb.append("\\r");
                    default -> sb.append(String.format(Locale.ROOT, "\\x%02x", (int) c));
                }
            } else if (sb != null) {
                sb.append(c);
            }
        }
        return sb == null ? s : sb.toString();
    }

    /** Left-aligned columns separated by two spaces; {@code rightAligned[i]} right-aligns column i. */
    static List<String> table(List<String[]> rows, boolean... rightAligned) {
        int cols = rows.stream().mapToInt(r -> r.length).max().orElse(0);
        int[] w = new int[cols];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        List<String> out = new ArrayList<>(rows.size());
        for (String[] r : rows) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                if (i > 0) {
                    sb.append("  ");
                }
                boolean right = i < rightAligned.length && rightAligned[i];
                String pad = " ".repeat(w[i] - r[i].length());
                sb.append(right ? pad + r[i] : r[i] + (i == r.length - 1 ? "" : pad));
            }
            out.add(sb.toString().stripTrailing());
        }
        return out;
    }
}
