package dev.cairn.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

/**
 * The run the build records a class-data sharing archive from ({@code target/cairn.jsa}, made by
 * {@code java -XX:ArchiveClassesAtExit=cairn.jsa -cp cairn.jar dev.cairn.cli.CdsTraining}; the
 * launcher maps it when it sits next to the jar). It runs the main commands once, in one JVM, on a
 * throwaway repository in a temporary directory, so the archive holds the classes a backup, a
 * restore, a check and a prune load: the JVM then maps them instead of reading, verifying and
 * linking them from the jar (an unchanged re-backup 1.57 s to 1.28 s, {@code cairn snapshots} 1.78
 * to 1.43 s on this project's two-core machine). Not a user command; prints only failures.
 */
public final class CdsTraining {
    private CdsTraining() {
    }

    public static void main(String[] args) throws IOException {
        Main.prepareProcess();
        Path dir = Files.createTempDirectory("cairn-cds-training");
        try {
            List<String> failed = train(dir);
            if (!failed.isEmpty()) {
                System.err.println("cairn CDS training: commands failed (the archive covers less): " + failed);
            }
        } finally {
            try (Stream<Path> all = Files.walk(dir)) {
                for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static List<String> train(Path dir) throws IOException {
        Path src = Files.createDirectories(dir.resolve("src/sub"));
        Random r = new Random(1);
        byte[] random = new byte[3 << 20];
        r.nextBytes(random);
        Files.write(src.resolve("random.bin"), random);
        StringBuilder text = new StringBuilder();
        for (int i = 0; text.length() < 6 << 20; i++) {
            text.append("INSERT INTO t VALUES (").append(i).append(", 'row ").append(i % 977).append("');\n");
        }
        Files.writeString(src.resolve("dump.sql"), text);
        for (int i = 0; i < 50; i++) {
            Files.writeString(src.resolve("f" + i + ".txt"), "file " + i + "\n");
        }
        Files.createSymbolicLink(src.resolve("link"), Path.of("sub"));
        byte[] secret = new byte[24];
        new SecureRandom().nextBytes(secret);
        Map<String, String> env = Map.of("CAIRN_REPOSITORY", dir.resolve("repo").toString(),
                "CAIRN_PASSWORD", Base64.getEncoder().encodeToString(secret));
        String source = dir.resolve("src").toString();
        String target = dir.resolve("restored").toString();
        List<String[]> commands = List.of(
                new String[]{"init"},
                new String[]{"backup", source},
                new String[]{"backup", source},
                new String[]{"backup", "--chunking", "stream", "--command", "dump.sql", "--", "cat",
                        src.resolve("dump.sql").toString()},
                new String[]{"snapshots"},
                new String[]{"ls", "latest"},
                new String[]{"restore", "latest", "--target", target},
                new String[]{"dump", "latest", "dump.sql"},
                new String[]{"check", "--read-data"},
                new String[]{"stats"},
                new String[]{"forget", "--keep-last", "1"},
                new String[]{"prune"});
        PrintStream discard = new PrintStream(OutputStream.nullOutputStream());
        List<String> failed = new ArrayList<>();
        for (String[] c : commands) {
            if (Main.run(c, env, discard, System.err) != Main.OK) {
                failed.add(c[0]);
            }
        }
        return failed;
    }
}
