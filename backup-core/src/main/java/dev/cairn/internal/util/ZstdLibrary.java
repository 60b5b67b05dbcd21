package dev.cairn.internal.util;

import com.github.luben.zstd.util.Native;
import com.github.luben.zstd.util.ZstdVersion;
import dev.cairn.ConfigurationException;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * zstd-jni's native library: where it is loaded from, and a clear error when it cannot be.
 * <p>
 * By default zstd-jni copies the library out of its jar into {@code java.io.tmpdir} and loads the
 * copy, in every process: with a temporary directory that is missing, full or mounted noexec (a
 * common hardening of {@code /tmp}) it cannot, and the first compression failed with a
 * NoClassDefFoundError. The CLI's build puts the library next to {@code cairn.jar}
 * ({@code native/linux/<arch>/libzstd-jni-<version>.so}) and {@link #useBeside} points zstd-jni at
 * it; every other case keeps zstd-jni's own loading, and {@link #require} turns its failure into
 * an error that says what to change.
 */
public final class ZstdLibrary {
    /** zstd-jni's system property: a library file to load instead of extracting its own. */
    public static final String PATH_PROPERTY = "ZstdNativePath";

    private ZstdLibrary() {
    }

    /**
     * The library's path under a directory laid out as zstd-jni's jar is, for this JVM, or null
     * where zstd-jni names it otherwise (only Linux is shipped beside the CLI).
     */
    public static String relativePath() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        if (!os.equals("linux")) {
            return null;
        }
        return "linux/" + System.getProperty("os.arch") + "/libzstd-jni-" + ZstdVersion.VERSION + ".so";
    }

    /**
     * Points zstd-jni at the library under {@code dir} (laid out as {@link #relativePath}) when it
     * is there and nothing else was chosen (the property is unset); returns the file chosen, or null.
     * Must run before zstd-jni is first used.
     */
    public static Path useBeside(Path dir) {
        String rel = relativePath();
        if (rel == null || System.getProperty(PATH_PROPERTY) != null) {
            return null;
        }
        Path lib = dir.resolve(rel);
        if (!Files.isRegularFile(lib)) {
            return null;
        }
        String abs = lib.toAbsolutePath().toString();
        System.setProperty(PATH_PROPERTY, abs);
        return lib;
    }

    /**
     * For a process started from a jar: {@link #useBeside} the {@code native} directory next to the
     * first jar of the class path that has one.
     */
    public static Path useBesideClassPathJar() {
        String cp = System.getProperty("java.class.path", "");
        for (String entry : cp.split(File.pathSeparator)) {
            if (entry.endsWith(".jar")) {
                Path parent = Path.of(entry).toAbsolutePath().getParent();
                Path lib = parent == null ? null : useBeside(parent.resolve("native"));
                if (lib != null) {
                    return lib;
                }
            }
        }
        return null;
    }

    /** Loads the library if it is not yet loaded; a failure is a {@link ConfigurationException} naming the fix. */
    public static void require() {
        try {
            Native.load();
        } catch (LinkageError | RuntimeException e) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            String chosen = System.getProperty(PATH_PROPERTY);
            String fix = chosen != null
                    ? "the file set by -D" + PATH_PROPERTY + " (" + chosen + ") must be zstd-jni " + ZstdVersion.VERSION
                      + "'s library for this system"
                    : "zstd-jni copies it into the temporary directory " + System.getProperty("java.io.tmpdir")
                      + ", which must exist, have room and allow executing files (not mounted noexec); point"
                      + " TMPDIR (the cairn launcher) or -Djava.io.tmpdir at another, or set -D" + PATH_PROPERTY
                      + " to the library" + (relativePath() == null ? "" : " (native/" + relativePath() + " beside cairn.jar)");
            throw new ConfigurationException("Cannot load zstd's native library (" + root.getClass().getSimpleName()
                    + ": " + root.getMessage() + "): " + fix, e);
        }
    }
}
