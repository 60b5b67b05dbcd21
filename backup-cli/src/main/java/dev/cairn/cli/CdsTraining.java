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
 * to 1.43 s on this project's two-core machine). With the argument {@code s3} it runs them on an
 * S3 repository that a {@link TrainingS3} serves, for {@code target/cairn-s3.jsa}, which holds the
 * AWS SDK's classes as well and which the launcher maps for S3. Not a user command; prints only
 * failures.
 */
public final class CdsTraining {
    private CdsTraining() {
    }

    /** {@code args}: empty for the archive of local repositories, {@code s3} for that of S3 ones. */
    public static void main(String[] args) throws IOException {
        boolean s3 = args.length > 0 && args[0].equals("s3");
        Main.prepareProcess();
        Path dir = Files.createTempDirectory("cairn-cds-training");
        try {
            List<String> failed = s3 ? trainS3(dir) : train(dir, dir.resolve("repo").toString(), null);
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

    /** The commands on an S3 repository, served by a {@link TrainingS3} on the loopback interface. */
    private static List<String> trainS3(Path dir) throws IOException {
        byte[] secret = new byte[24];
        new SecureRandom().nextBytes(secret);
        try (TrainingS3 s3 = TrainingS3.start()) {
            // The SDK's default credential chain reads these first; throwaway, for this loopback server only.
            System.setProperty("aws.accessKeyId", "cds-training");
            System.setProperty("aws.secretAccessKey", Base64.getEncoder().encodeToString(secret));
            String repo = "s3://cds-training/repo?endpoint=" + s3.endpoint() + "&region=us-east-1&maxAttempts=2";
            return train(dir, repo, "&createBucket=true");
        } finally {
            System.clearProperty("aws.accessKeyId");
            System.clearProperty("aws.secretAccessKey");
        }
    }

    /** Runs the main commands on the repository at {@code repo} ({@code init} with {@code initSuffix}). */
    private static List<String> train(Path dir, String repo, String initSuffix) throws IOException {
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
        Map<String, String> env = Map.of("CAIRN_PASSWORD", Base64.getEncoder().encodeToString(secret),
                "CAIRN_CACHE_DIR", dir.resolve("cache").toString());
        String source = dir.resolve("src").toString();
        String target = dir.resolve("restored").toString();
        List<String[]> commands = List.of(
                new String[]{"init", "--repo", initSuffix == null ? repo : repo + initSuffix},
                new String[]{"backup", "--repo", repo, source},
                new String[]{"backup", "--repo", repo, source},
                new String[]{"backup", "--repo", repo, "--chunking", "stream", "--command", "dump.sql", "--", "cat",
                        src.resolve("dump.sql").toString()},
                new String[]{"snapshots", "--repo", repo},
                new String[]{"ls", "--repo", repo, "latest"},
                new String[]{"restore", "--repo", repo, "latest", "--target", target},
                new String[]{"dump", "--repo", repo, "latest", "dump.sql"},
                new String[]{"check", "--repo", repo, "--read-data"},
                new String[]{"stats", "--repo", repo},
                new String[]{"forget", "--repo", repo, "--keep-last", "1"},
                new String[]{"prune", "--repo", repo});
        List<String> failed = new ArrayList<>();
        run(commands, env, failed);
        // `backup --stdin` reads descriptor 0, which this run cannot feed: the classes of that path,
        // loaded here. Without them in the archive, an unchanged re-backup of a dump opened the jar
        // (18,000 entries) for one interface, StreamSource.Opener.
        dev.cairn.source.StreamSource.of("stdin", CairnCommand::standardInput)
                .withChunking(dev.cairn.Repository.STREAM_CHUNKING);
        return failed;
    }

    private static void run(List<String[]> commands, Map<String, String> env, List<String> failed) {
        PrintStream discard = new PrintStream(OutputStream.nullOutputStream());
        for (String[] c : commands) {
            // Standalone, as the launcher's runs: their shutdown hooks, deferred collection and the
            // lambdas of those paths are then in the archive too, not loaded from the jar.
            if (Main.run(c, env, discard, System.err, false, true) != Main.OK) {
                failed.add(String.join(" ", c));
            }
        }
    }
}
