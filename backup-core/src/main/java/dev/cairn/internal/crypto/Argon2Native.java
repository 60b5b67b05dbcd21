package dev.cairn.internal.crypto;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Argon2's memory-filling passes in C ({@code backup-core/src/main/c/argon2_fill.c}, AVX2 where the
 * CPU has it), used by {@link Argon2Kdf} when the library loads; H0, the first blocks and the tag
 * stay in Java. The build compiles the library where it finds a C compiler and puts it in the jar
 * and, for the CLI, in {@code native/linux/<arch>/} next to {@code cairn.jar}; it is loaded from
 * the directory beside the jar or class directory that holds this class, or from the file named
 * by {@code -Dcairn.native.kdf} ({@code -Dcairn.native.kdf=none}: never). Without it Argon2Kdf
 * fills in Java, with the same result.
 *
 * <p>Why: on a 2-core machine (Zen 3), a derivation with the defaults (64 MiB, 3 passes, 4 lanes)
 * took ~0.24 s and ~0.46 s of CPU in Java, plus C2's compilation of it, in every command; with AVX2
 * ~0.08 s and ~0.14 s. An unchanged re-backup of a 1 GiB file: 0.87 -> 0.68 s, CPU 1.29 -> 0.93 s.
 */
final class Argon2Native {
    /** A file to load instead of looking beside the jar, or {@code none}. */
    static final String LIBRARY_PROPERTY = "cairn.native.kdf";
    static final String FILE = "libcairn-kdf.so";

    /** 0: not loaded; 1: portable C; 2: AVX2. */
    private static final int LEVEL = load();

    private Argon2Native() {
    }

    static boolean available() {
        return LEVEL > 0;
    }

    /** 0 when not loaded, 1 for the portable C block function, 2 for AVX2 (as loaded). */
    static int level() {
        return LEVEL;
    }

    /** The file loaded, or that would be: a system property's, or native/ beside the classes; null if none. */
    static Path library() {
        return locate();
    }

    /** The library's path under a directory laid out as the jar's {@code native/} folder, or null off Linux. */
    static String relativePath() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        return os.equals("linux") ? "linux/" + System.getProperty("os.arch") + "/" + FILE : null;
    }

    private static int load() {
        Path lib = locate();
        if (lib == null) {
            return 0;
        }
        try {
            System.load(lib.toString());
            return init(2);
        } catch (UnsatisfiedLinkError | SecurityException e) {
            return 0; // another architecture's build, a noexec mount…: the Java implementation
        }
    }

    private static Path locate() {
        String chosen = System.getProperty(LIBRARY_PROPERTY);
        if (chosen != null) {
            return chosen.equals("none") || chosen.isBlank() ? null : Path.of(chosen).toAbsolutePath();
        }
        String rel = relativePath();
        if (rel == null) {
            return null;
        }
        try {
            var source = Argon2Native.class.getProtectionDomain().getCodeSource();
            if (source == null || !"file".equals(source.getLocation().getProtocol())) {
                return null;
            }
            Path where = Path.of(source.getLocation().toURI());
            // A class directory (tests) holds native/ itself; a jar has it beside it (the CLI's build).
            Path dir = Files.isDirectory(where) ? where : where.getParent();
            Path lib = dir == null ? null : dir.resolve("native").resolve(rel);
            return lib != null && Files.isRegularFile(lib) ? lib : null;
        } catch (java.net.URISyntaxException | RuntimeException e) {
            return null;
        }
    }

    /** Chooses the block function: the fastest the CPU runs, at most {@code maxLevel}; returns it. */
    private static native int init(int maxLevel);

    /**
     * Switches to the portable block function ({@code maxLevel} 1) or back to the fastest (2), for
     * tests of both on one machine; returns the level now used. No derivation may be running.
     */
    static int select(int maxLevel) {
        return available() ? init(maxLevel) : 0;
    }

    /** A populated private mapping of {@code bytes}, or 0 when the system refuses it. */
    static native long map(long bytes);

    /** Zeroes {@code bytes} from {@code offset} of a mapping (explicit_bzero). */
    static native void wipe(long address, long offset, long bytes);

    static native void unmap(long address, long bytes);

    /** Copies 128 words into block {@code block}. */
    static native void put(long address, int block, long[] words);

    /** Copies block {@code block} into 128 words. */
    static native void get(long address, int block, long[] words);

    /** Argon2Kdf.HeapMemory#fillSegment over the mapping. */
    static native void fillSegment(long address, int pass, int slice, int lane, int lanes, int laneLength,
                                   int segment, int blocks, int passes);
}
