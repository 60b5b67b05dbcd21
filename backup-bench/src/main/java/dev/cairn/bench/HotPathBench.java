package dev.cairn.bench;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import dev.cairn.internal.chunker.FastCdc;
import dev.cairn.internal.crypto.Crypto;
import dev.cairn.internal.crypto.MasterKey;
import dev.cairn.internal.repo.BlobIndex;
import dev.cairn.internal.repo.BlobLocation;
import dev.cairn.internal.util.Id;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The per-byte hot paths, one core. Throughput benchmarks process one 8 MiB buffer per operation:
 * MB/s = 8.39 / (ms per op) * 1000. Data is half text, half random (typical of source trees).
 */
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class HotPathBench {
    static final int SIZE = 8 * 1024 * 1024;
    byte[] data;
    FastCdc cdc;
    Crypto crypto;
    ZstdCompressCtx zstd;
    byte[] zdst;
    BlobIndex index;
    Id[] present;
    Id[] absent;
    int next;

    @Setup(Level.Trial)
    public void setup() {
        Random r = new Random(1);
        data = new byte[SIZE];
        byte[] text = "int main(void) { return printf(\"hello, world\\n\"); }\n".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < SIZE / 2; i++) {
            data[i] = text[i % text.length];
        }
        byte[] rnd = new byte[SIZE / 2];
        r.nextBytes(rnd);
        System.arraycopy(rnd, 0, data, SIZE / 2, rnd.length);
        byte[] seed = new byte[32];
        r.nextBytes(seed);
        cdc = new FastCdc(seed, 512 * 1024, 1024 * 1024, 8 * 1024 * 1024, 2);
        crypto = new Crypto(MasterKey.generate());
        zstd = new ZstdCompressCtx();
        zstd.setLevel(3);
        zdst = new byte[(int) Zstd.compressBound(SIZE)];
        BlobIndex.Builder b = new BlobIndex.Builder();
        int n = 1_000_000;
        present = new Id[4096];
        absent = new Id[4096];
        byte[] pack = new byte[32];
        r.nextBytes(pack);
        Id p = Id.of(pack);
        for (int i = 0; i < n; i++) {
            byte[] id = new byte[32];
            r.nextBytes(id);
            b.add(id, p, i, 100, 100, BlobLocation.DATA, 0);
            if (i < present.length) {
                present[i] = Id.of(id);
            }
        }
        for (int i = 0; i < absent.length; i++) {
            byte[] id = new byte[32];
            r.nextBytes(id);
            absent[i] = Id.of(id);
        }
        index = b.build();
    }

    /** FastCDC boundaries over 8 MiB (gear hash loop). */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public int chunker() {
        int off = 0;
        int cuts = 0;
        while (off < data.length) {
            off += cdc.cut(data, off, data.length - off);
            cuts++;
        }
        return cuts;
    }

    /** HMAC-SHA256 blob id of 8 MiB. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public Id blobId() {
        return crypto.blobId(data, 0, data.length);
    }

    /** zstd level 3 of 8 MiB. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public long zstd3() {
        return zstd.compressByteArray(zdst, 0, zdst.length, data, 0, data.length);
    }

    /** AES-256-GCM (Tink wire format, segmented JCE updates) of 8 MiB. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public byte[] aesGcm() {
        return crypto.encrypt(data, 0, data.length, new byte[34]);
    }

    /** The whole blob pipeline per byte: chunk, id, zstd-3, AES-GCM, over 8 MiB. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public void pipeline(Blackhole bh) {
        int off = 0;
        while (off < data.length) {
            int len = cdc.cut(data, off, data.length - off);
            Id id = crypto.blobId(data, off, len);
            long n = zstd.compressByteArray(zdst, 0, zdst.length, data, off, len);
            bh.consume(crypto.encrypt(zdst, 0, (int) n, new byte[34]));
            bh.consume(id);
            off += len;
        }
    }

    /** Index lookup of a present id among 1,000,000 blobs. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public boolean indexHit() {
        return index.contains(present[next++ & 4095]);
    }

    /** Index lookup of an absent id among 1,000,000 blobs. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public boolean indexMiss() {
        return index.contains(absent[next++ & 4095]);
    }
}
