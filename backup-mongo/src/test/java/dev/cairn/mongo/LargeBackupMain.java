package dev.cairn.mongo;

import dev.cairn.BackupResult;
import dev.cairn.Repository;
import dev.cairn.testing.TestRepos;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Two backups of one database in a JVM of its own (run with a small {@code -Xmx}), for the
 * flat-memory test: {@code LargeBackupMain <repo dir> <connection string> <database>}. Prints
 * {@code backup <n> <bytesTotal> <bytesAdded> <millis> <documents>} per backup and
 * {@code peak <heap> <live>}: the largest heap use sampled every 5 ms (garbage included) and the
 * largest heap use left after a collection.
 */
public final class LargeBackupMain {
    private LargeBackupMain() {
    }

    public static void main(String[] args) throws Exception {
        MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
        AtomicLong peak = new AtomicLong();
        AtomicLong live = new AtomicLong();
        var pools = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == java.lang.management.MemoryType.HEAP && p.getCollectionUsage() != null)
                .toList();
        AtomicBoolean done = new AtomicBoolean();
        Thread sampler = new Thread(() -> {
            while (!done.get()) {
                peak.accumulateAndGet(mem.getHeapMemoryUsage().getUsed(), Math::max);
                live.accumulateAndGet(pools.stream().mapToLong(p -> p.getCollectionUsage().getUsed()).sum(), Math::max);
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        sampler.setDaemon(true);
        sampler.start();
        MongoSource src = MongoSource.builder().connectionString(args[1]).database(args[2]).build();
        try (Repository repo = TestRepos.fast(Path.of(args[0])).init()) {
            for (int i = 1; i <= 2; i++) {
                long t0 = System.nanoTime();
                BackupResult r = repo.backup(src).run();
                System.out.println("backup " + i + " " + r.snapshot().summary().bytesTotal() + " "
                        + r.snapshot().summary().bytesAdded() + " " + (System.nanoTime() - t0) / 1_000_000 + " "
                        + r.snapshot().facts().get(Facts.count(args[2], "big")));
            }
        }
        done.set(true);
        sampler.join();
        System.out.println("peak " + peak.get() + " " + live.get());
    }
}
