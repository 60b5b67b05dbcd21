package dev.cairn.internal.repo;

import dev.cairn.internal.crypto.Crypto;
import dev.cairn.internal.crypto.MasterKey;
import dev.cairn.internal.util.Id;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class BlobIndexTest {
    private static Id randomId(Random r) {
        byte[] b = new byte[32];
        r.nextBytes(b);
        return Id.of(b);
    }

    @Test
    void indexFile_roundTrip_andLookups() {
        Random r = new Random(3);
        Crypto crypto = new Crypto(MasterKey.generate());
        List<BlobLocation> blobs = new ArrayList<>();
        Id pack = randomId(r);
        for (int i = 0; i < 5000; i++) {
            if (i % 1000 == 0) {
                pack = randomId(r);
            }
            blobs.add(new BlobLocation(randomId(r), pack, i * 100, 50 + i, 40 + i, i % 2, (i / 2) % 2));
        }
        byte[] file = IndexFormat.encode(blobs, crypto);
        BlobIndex.Builder b = new BlobIndex.Builder();
        IndexFormat.decode(file, crypto, "test index", b);
        IndexFormat.decode(file, crypto, "test index again", b); // duplicates merge
        BlobIndex idx = b.build();
        assertThat(idx.size()).isEqualTo(5000);
        for (BlobLocation l : blobs) {
            assertThat(idx.get(l.id())).isEqualTo(l);
        }
        assertThat(idx.get(randomId(r))).isNull();
        assertThat(idx.contains(randomId(r))).isFalse();
    }

    /**
     * The search interpolates on the first word (ids are uniform) but must find every id and no
     * other however they are spread: clustered near zero and near the top, runs of equal first
     * words, a few far outliers; and misses below, between and above them.
     */
    @Test
    void lookups_findEveryId_whenIdsAreNotUniform() {
        Random r = new Random(6);
        BlobIndex.Builder b = new BlobIndex.Builder();
        Id pack = randomId(r);
        List<Id> ids = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            byte[] id = randomId(r).bytes();
            switch (i % 4) {
                case 0 -> java.util.Arrays.fill(id, 0, 7, (byte) 0); // near zero
                case 1 -> java.util.Arrays.fill(id, 0, 7, (byte) 0xff); // near the top (unsigned)
                case 2 -> java.util.Arrays.fill(id, 0, 8, (byte) 0x42); // equal first words
                default -> {
                    if (i % 1000 == 3) {
                        id[0] = (byte) 0x80; // a few outliers in the middle
                    } else {
                        java.util.Arrays.fill(id, 0, 6, (byte) 0x11);
                    }
                }
            }
            ids.add(Id.of(id));
            b.add(id, pack, i, 100, 100, 0, 1);
        }
        BlobIndex idx = b.build();
        for (Id id : ids) {
            assertThat(idx.contains(id)).as("%s", id).isTrue();
        }
        for (int i = 0; i < 20_000; i++) {
            byte[] miss = ids.get(r.nextInt(ids.size())).bytes().clone();
            miss[31] ^= (byte) (1 + r.nextInt(255)); // next to a stored id
            Id m = Id.of(miss);
            assertThat(idx.contains(m)).isEqualTo(ids.contains(m));
        }
        assertThat(idx.contains(Id.of(new byte[32]))).isFalse();
        byte[] top = new byte[32];
        java.util.Arrays.fill(top, (byte) 0xff);
        assertThat(idx.contains(Id.of(top))).isFalse();
    }

    @Test
    void memory_isAtMost48BytesPerBlob() {
        Random r = new Random(4);
        BlobIndex.Builder b = new BlobIndex.Builder();
        Id pack = randomId(r);
        int n = 200_000;
        for (int i = 0; i < n; i++) {
            if (i % 16 == 0) {
                pack = randomId(r);
            }
            b.add(randomId(r).bytes(), pack, i, 100, 100, 0, 1);
        }
        BlobIndex idx = b.build();
        double perBlobArrays = (double) (idx.retainedBytes() - (long) (n / 16) * 72) / n;
        double perBlobAll = (double) idx.retainedBytes() / n;
        System.out.printf("index bytes per blob: %.1f (arrays), %.1f (with pack table, 16 blobs per pack)%n",
                perBlobArrays, perBlobAll);
        assertThat(BlobIndex.bytesPerBlob()).isEqualTo(48);
        assertThat(perBlobArrays).isLessThanOrEqualTo(48.0);
    }

    @Test
    void added_blobsAreVisible() {
        Random r = new Random(5);
        BlobIndex idx = BlobIndex.empty();
        Id id = randomId(r);
        BlobLocation loc = new BlobLocation(id, randomId(r), 0, 100, 60, 0, 0);
        idx.add(loc);
        assertThat(idx.get(id)).isEqualTo(loc);
        assertThat(idx.contains(id)).isTrue();
        assertThat(idx.all()).containsExactly(loc);
    }

    /**
     * Blobs added during a backup (an initial backup of many small files adds one per file): found
     * through the table as it grows, including ids whose first words collide, while other threads
     * look them up; the first location of an id stays; compact: 56 bytes per blob at capacity (48 of
     * arrays, 8 of table), here 200,000 blobs in room for 212,577: at most 80 (a map of objects: ~150).
     */
    @Test
    void added_manyBlobs_areFoundWhileAdded_andStayCompact() throws Exception {
        Random r = new Random(7);
        BlobIndex idx = BlobIndex.empty();
        int n = 200_000;
        List<BlobLocation> locs = new ArrayList<>(n);
        Id pack = randomId(r);
        for (int i = 0; i < n; i++) {
            if (i % 1000 == 0) {
                pack = randomId(r);
            }
            byte[] id = randomId(r).bytes();
            if (i % 10 == 0) {
                java.util.Arrays.fill(id, 0, 8, (byte) 0x33); // equal first words: one probe chain
            }
            locs.add(new BlobLocation(Id.of(id), pack, i, 100 + i, 90 + i, i % 2, (i / 2) % 2));
        }
        java.util.concurrent.atomic.AtomicInteger published = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicReference<String> wrong = new java.util.concurrent.atomic.AtomicReference<>();
        Runnable reader = () -> {
            Random rr = new Random(Thread.currentThread().getId());
            while (published.get() < n && wrong.get() == null) {
                int upTo = published.get();
                if (upTo == 0) {
                    continue;
                }
                BlobLocation l = locs.get(rr.nextInt(upTo));
                if (!idx.contains(l.id()) || !l.equals(idx.get(l.id()))) {
                    wrong.set("lost " + l);
                }
                if (idx.contains(randomId(rr))) {
                    wrong.set("found an id never added");
                }
            }
        };
        Thread t1 = new Thread(reader);
        Thread t2 = new Thread(reader);
        t1.start();
        t2.start();
        for (BlobLocation l : locs) {
            idx.add(l);
            published.incrementAndGet();
        }
        t1.join();
        t2.join();
        assertThat(wrong.get()).isNull();
        idx.add(new BlobLocation(locs.get(5).id(), randomId(r), 1, 2, 3, 0, 0)); // a second copy: ignored
        assertThat(idx.addedCount()).isEqualTo(n);
        for (BlobLocation l : locs) {
            assertThat(idx.get(l.id())).isEqualTo(l);
        }
        assertThat(idx.addedBlobs()).containsExactlyElementsOf(locs);
        assertThat(idx.packs()).hasSize(n / 1000);
        double perBlob = (double) idx.addedRetainedBytes() / n;
        System.out.printf("added blobs: %.1f bytes per blob%n", perBlob);
        assertThat(perBlob).isLessThanOrEqualTo(80.0);
    }

    @Test
    void idsSharingTheirFirstBytes_sortAndLookUpByTheWholeId() {
        Random r = new Random(6);
        BlobIndex.Builder b = new BlobIndex.Builder();
        List<Id> ids = new ArrayList<>();
        Id pack = randomId(r);
        for (int i = 0; i < 3000; i++) {
            byte[] id = new byte[32];
            r.nextBytes(id);
            id[0] = (byte) (i % 3); // only three distinct first words' top bytes...
            id[1] = id[2] = id[3] = 0x7f; // ...and equal next bytes: long runs for the fix-up pass
            ids.add(Id.of(id));
            b.add(id, pack, i, 100, 100, 0, 0);
        }
        BlobIndex idx = b.build();
        assertThat(idx.size()).isEqualTo(3000);
        List<BlobLocation> all = idx.all();
        for (int k = 1; k < all.size(); k++) {
            assertThat(all.get(k - 1).id()).isLessThan(all.get(k).id());
        }
        for (int i = 0; i < ids.size(); i++) {
            assertThat(idx.get(ids.get(i)).offset()).isEqualTo(i);
        }
    }
}
