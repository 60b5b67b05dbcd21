package dev.cairn;

import dev.cairn.backend.Backend;
import dev.cairn.backend.BackendProvider;
import dev.cairn.backend.ObjectInfo;
import dev.cairn.backend.local.LocalBackend;
import dev.cairn.internal.backend.CachingBackend;
import dev.cairn.internal.backend.RetryingBackend;
import dev.cairn.internal.chunker.FastCdc;
import dev.cairn.internal.crypto.Argon2Kdf;
import dev.cairn.internal.crypto.Crypto;
import dev.cairn.internal.crypto.MasterKey;
import dev.cairn.internal.pipeline.BackupRun;
import dev.cairn.internal.pipeline.BlobStore;
import dev.cairn.internal.pipeline.Restorer;
import dev.cairn.internal.pipeline.TarExporter;
import dev.cairn.internal.pipeline.TreeReader;
import dev.cairn.internal.repo.BlobIndex;
import dev.cairn.internal.repo.DrillCodec;
import dev.cairn.internal.repo.IndexFormat;
import dev.cairn.internal.repo.KeyFile;
import dev.cairn.internal.repo.Locks;
import dev.cairn.internal.repo.Node;
import dev.cairn.internal.repo.PackFormat;
import dev.cairn.internal.repo.RepoConfig;
import dev.cairn.internal.repo.SnapshotCodec;
import dev.cairn.internal.repo.SnapshotSummaries;
import dev.cairn.internal.util.Hex;
import dev.cairn.internal.util.Id;
import dev.cairn.internal.util.OutputGuard;
import dev.cairn.internal.util.Reread;
import dev.cairn.snapshot.Snapshot;
import dev.cairn.snapshot.SnapshotEntry;
import dev.cairn.snapshot.SnapshotSummary;
import dev.cairn.source.Source;
import dev.cairn.source.fs.FileSystemSource;
import dev.cairn.verify.CheckReport;
import dev.cairn.verify.DrillReport;
import dev.cairn.verify.RepairReport;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An open Cairn repository: encrypted, deduplicated snapshots on a {@link Backend}.
 *
 * <pre>{@code
 * try (Repository repo = Repository.at(Path.of("/srv/backup")).password(Secret.fromEnv("CAIRN_PASSWORD")).open()) {
 *     BackupResult r = repo.backup(FileSystemSource.of(Path.of("/srv/www"))).tags("nightly").run();
 *     repo.restore(r.snapshot()).to(Path.of("/tmp/www-restored"));
 * }
 * }</pre>
 *
 * Thread-safe: several operations may run at once (each takes the repository lock it needs).
 */
public final class Repository implements AutoCloseable {
    public static final String VERSION = "0.1.0";
    /** The chunker parameter set for dump-like streams (database dumps): finer chunks dedup better. */
    public static final String STREAM_CHUNKING = "stream";

    private final Backend backend;
    private final RepoConfig config;
    private final MasterKey master;
    private final Crypto crypto;
    private final Map<String, FastCdc> chunkers = new java.util.HashMap<>();
    private final Builder options;
    /** Decoded snapshots in the cache directory, or null. */
    private final SnapshotSummaries summaries;
    private final AtomicBoolean cacheWarned = new AtomicBoolean();
    private volatile String keyName;
    private final Locks locks;
    private final ExecutorService workers;
    private volatile BlobIndex index;
    /**
     * The index files {@link #index} was loaded from: another process's changes show as a different
     * set; null when it must be reloaded.
     */
    private volatile java.util.Set<String> indexFiles = java.util.Set.of();

    private Repository(Backend backend, RepoConfig config, MasterKey master, String keyName, Builder options)
            throws IOException {
        this.backend = backend;
        this.config = config;
        this.master = master;
        this.crypto = new Crypto(master);
        for (Map.Entry<String, RepoConfig.Chunking> e : config.chunkers().entrySet()) {
            RepoConfig.Chunking c = e.getValue();
            chunkers.put(e.getKey(), new FastCdc(master.chunkerSeed(), c.min(), c.avg(), c.max(), c.normalization()));
        }
        this.options = options;
        this.keyName = keyName;
        this.locks = new Locks(backend, crypto, options.clock, options.host);
        AtomicInteger n = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(options.workers, r -> {
            Thread t = new Thread(r, "cairn-worker-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.summaries = summaries(options.cacheRoot);
        this.index = loadIndex();
        if (backend instanceof CachingBackend c) {
            // Copies of packs the index no longer names (pruned, maybe by another machine) go.
            java.util.Set<String> packs = new java.util.HashSet<>();
            for (Id p : index.packs()) {
                packs.add(PackFormat.name(p));
            }
            c.retainPacks(packs::contains);
        }
    }

    /**
     * The decoded snapshots kept in the cache directory (local repositories included: decoding is
     * what they cost, not reading); null without a cache.
     */
    private SnapshotSummaries summaries(Path cacheRoot) {
        if (backend instanceof CachingBackend c) {
            return new SnapshotSummaries(c.directory().getParent(), config.id(), crypto);
        }
        return cacheRoot == null ? null : new SnapshotSummaries(cacheRoot, config.id(), crypto);
    }

    private void cacheUnusable(Path where, Exception e) {
        if (cacheWarned.compareAndSet(false, true)) {
            org.slf4j.LoggerFactory.getLogger(Repository.class).warn("The cache at {} cannot be used ({}); snapshots"
                    + " are read from the repository instead (slower). Set --cache-dir or CAIRN_CACHE_DIR to a"
                    + " writable directory, or --no-cache.", where, e.toString());
        }
    }

    /** The backend without the local cache: what check verifies. */
    private Backend uncached() {
        return backend instanceof CachingBackend c ? c.inner() : backend;
    }

    /**
     * Starts, on a background thread and once per JVM, what opening a repository needs first:
     * loading Jackson, Tink, the JCE's AES-GCM and HMAC, and zstd's native library. Optional: opening
     * calls it too; an application that calls it at start shortens its first open by a few hundred
     * milliseconds.
     */
    public static void warmUp() {
        dev.cairn.internal.crypto.Warmup.start(false);
    }

    /** A repository in a local directory. */
    public static Builder at(Path dir) {
        return new Builder(new LocalBackend(dir));
    }

    /** A repository on any backend. */
    public static Builder at(Backend backend) {
        return new Builder(Objects.requireNonNull(backend, "backend"));
    }

    /**
     * A repository by location text: a local path, {@code file:/path}, or a URI whose scheme a
     * {@link BackendProvider} on the class path serves ({@code s3://bucket/prefix}).
     */
    public static Builder at(String location) {
        return new Builder(backendFor(location));
    }

    static Backend backendFor(String location) {
        if (location == null || location.isBlank()) {
            throw new ConfigurationException("No repository given: pass --repo or set CAIRN_REPOSITORY.");
        }
        int colon = location.indexOf("://");
        if (colon < 0) {
            return new LocalBackend(Path.of(location.startsWith("file:") ? location.substring(5) : location));
        }
        String scheme = location.substring(0, colon).toLowerCase(java.util.Locale.ROOT);
        if (scheme.equals("file")) {
            return new LocalBackend(Path.of(URI.create(location)));
        }
        List<String> known = new ArrayList<>(List.of("file"));
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) {
            if (p.scheme().equals(scheme)) {
                return p.open(URI.create(location));
            }
            known.add(p.scheme());
        }
        throw new ConfigurationException("No backend for scheme '" + scheme + "' (known: " + String.join(", ", known)
                + "). Add the module that provides it (backup-s3 for s3://) to the class path.");
    }

    /** Options for opening or creating a repository. Each call validates at once. Not thread-safe. */
    public static final class Builder {
        private final Backend rawBackend;
        private Backend wrapped;
        private Secret password;
        private int kdfMemoryKiB = Argon2Kdf.DEFAULT_MEMORY_KIB;
        private int kdfIterations = Argon2Kdf.DEFAULT_ITERATIONS;
        // RFC 9106's second recommended option (64 MiB, 3 passes, 4 lanes); Argon2Kdf fills lanes on
        // up to as many threads as cores: about half the time of one lane on two cores.
        private int kdfParallelism = Argon2Kdf.DEFAULT_LANES;
        private final Map<String, RepoConfig.Chunking> chunkings = new java.util.HashMap<>(Map.of(
                RepoConfig.DEFAULT_CHUNKING, new RepoConfig.Chunking(FastCdc.ALGORITHM, 512 * 1024, 1024 * 1024,
                        8 * 1024 * 1024, 2),
                // Measured on two 800 MB sysbench dumps around a 1,000-event write workload: the second
                // backup adds 4.3 % at 8K/32K/128K (restic 0.14: 36 %), 7.4 % at 16K/64K/256K, 12.4 %
                // at 32K/128K/512K, with the smallest repository at 8K/32K/128K (bench/mysql-dedup.sh).
                STREAM_CHUNKING, new RepoConfig.Chunking(FastCdc.ALGORITHM, 8 * 1024, 32 * 1024, 128 * 1024, 2)));
        private int packSize = 16 * 1024 * 1024;
        private int compressionLevel = 3;
        private boolean compress = true;
        private String host = dev.cairn.internal.util.HostName.local();
        private Clock clock = Clock.systemUTC();
        private int workers = Math.max(2, Runtime.getRuntime().availableProcessors());
        // 4 MiB: with 16 MiB, chunks waiting in flight outlived young collections, were promoted and
        // forced a full collection every other young one (4.6 s of pauses in a 22 s backup of the Linux
        // tree, 2.5 s with 4 MiB; 1 GiB of random data 9.3 s -> 8.4 s).
        private int inFlightBytes = 4 * 1024 * 1024;
        private int retryAttempts = 8;
        private long retryBaseMillis = 100;
        private Duration indexInterval = Duration.ofMinutes(5);
        private Duration lockWait = Duration.ZERO;
        private boolean noLock;
        private Path cacheRoot;

        private Builder(Backend backend) {
            this.rawBackend = backend;
        }

        /** The backend with retries of transient failures, as configured. */
        private Backend backend() {
            if (wrapped == null) {
                wrapped = retryAttempts > 1 ? new RetryingBackend(rawBackend, retryAttempts, retryBaseMillis, 10_000,
                        Thread::sleep) : rawBackend;
            }
            return wrapped;
        }

        public Builder password(Secret password) {
            this.password = Objects.requireNonNull(password, "password");
            return this;
        }

        /** Argon2id parameters for keys this builder creates (memory in KiB). */
        public Builder kdf(int memoryKiB, int iterations, int parallelism) {
            if (memoryKiB < 8 * 1024) {
                throw new IllegalArgumentException("kdf memoryKiB must be at least 8192: " + memoryKiB);
            }
            if (iterations < 1) {
                throw new IllegalArgumentException("kdf iterations must be at least 1: " + iterations);
            }
            if (parallelism < 1) {
                throw new IllegalArgumentException("kdf parallelism must be at least 1: " + parallelism);
            }
            this.kdfMemoryKiB = memoryKiB;
            this.kdfIterations = iterations;
            this.kdfParallelism = parallelism;
            return this;
        }

        /** Default chunk sizes for a new repository (min < avg < max, avg a power of two). */
        public Builder chunkSizes(int min, int avg, int max) {
            return chunkSizes(RepoConfig.DEFAULT_CHUNKING, min, avg, max);
        }

        /**
         * Chunk sizes of a named parameter set for a new repository; a {@link Source} picks its set
         * with {@link Source#chunking()}. Sets are fixed at init.
         */
        public Builder chunkSizes(String set, int min, int avg, int max) {
            if (set == null || !set.matches("[a-z][a-z0-9-]{0,31}")) {
                throw new IllegalArgumentException("chunker set name must be lower-case letters, digits, '-': " + set);
            }
            FastCdc.validate(min, avg, max, 2);
            chunkings.put(set, new RepoConfig.Chunking(FastCdc.ALGORITHM, min, avg, max, 2));
            return this;
        }

        public Builder packSize(int bytes) {
            if (bytes < 1024 * 1024 || bytes > 512 * 1024 * 1024) {
                throw new IllegalArgumentException("packSize must be 1 MiB to 512 MiB: " + bytes);
            }
            this.packSize = bytes;
            return this;
        }

        /** zstd level for a new repository (1..19); 0 stores blobs uncompressed. */
        public Builder compressionLevel(int level) {
            if (level < 0 || level > 19) {
                throw new IllegalArgumentException("compressionLevel must be 0..19: " + level);
            }
            this.compress = level > 0;
            this.compressionLevel = level;
            return this;
        }

        /** The host name recorded in snapshots and locks. */
        public Builder host(String host) {
            if (host == null || host.isBlank()) {
                throw new IllegalArgumentException("host must not be blank");
            }
            this.host = host;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Retries of transient storage failures: attempts per call (1 disables retrying) and the
         * first backoff, doubling with jitter up to 10 s.
         */
        public Builder retries(int attempts, long baseMillis) {
            if (attempts < 1 || attempts > 100) {
                throw new IllegalArgumentException("retry attempts must be 1..100: " + attempts);
            }
            if (baseMillis < 0) {
                throw new IllegalArgumentException("retry baseMillis must not be negative: " + baseMillis);
            }
            this.retryAttempts = attempts;
            this.retryBaseMillis = baseMillis;
            return this;
        }

        /**
         * How often a long backup writes an index file for the packs uploaded so far (default 5
         * minutes), so that an interrupted backup's data is reused by the next one.
         */
        public Builder indexInterval(Duration every) {
            this.indexInterval = nonNegative("indexInterval", every);
            return this;
        }

        /**
         * How long an operation waits for a conflicting lock to be released before it fails with
         * {@link RepositoryLockedException} (default 0: fail at once). With a wait, a backup and a
         * prune started together run one after the other.
         */
        public Builder lockWait(Duration wait) {
            this.lockWait = nonNegative("lockWait", wait);
            return this;
        }

        /**
         * Reads (restore, dump, ls, tar export) without taking a shared lock, for storage the
         * credentials can only read. Default off: a read holds a shared lock so that a prune waits
         * for it (or keeps what it drops as fossils) instead of deleting a pack being read. Without
         * the lock a prune running meanwhile can make the read fail, never return wrong data.
         */
        public Builder noLock(boolean v) {
            this.noLock = v;
            return this;
        }

        /**
         * Keeps a local copy of a remote repository's index files, snapshots and packs of trees in
         * {@code root/<repository id>} (as restic's and Kopia's caches do): opening reads them from
         * disk, and a backup reads its parent's trees without a request per directory. Copies are
         * checked against their names before use; a cache that cannot be written only costs speed.
         * For any repository, a local directory too, it also keeps the decoded snapshots (encrypted
         * with the repository's key), so that listing them does not decrypt and parse one object
         * per snapshot. Default: none ({@code null}); the CLI uses {@code ~/.cache/cairn}.
         */
        public Builder cacheDirectory(Path root) {
            this.cacheRoot = root;
            return this;
        }

        /** Worker threads for hashing, compression, encryption and restore writes. */
        public Builder workers(int n) {
            if (n < 1 || n > 256) {
                throw new IllegalArgumentException("workers must be 1..256: " + n);
            }
            this.workers = n;
            return this;
        }

        /** Creates a new repository; fails if one exists. */
        public Repository init() {
            requirePassword();
            // Every repository compresses: a library that cannot load fails before anything is
            // written, with the fix, not at the first blob with a NoClassDefFoundError.
            dev.cairn.internal.util.ZstdLibrary.require();
            try {
                if (backend().exists(RepoConfig.NAME)) {
                    throw new BackupException(ErrorCode.REPOSITORY_EXISTS, "A repository already exists at "
                            + backend().location() + ". Open it instead, or choose an empty location.");
                }
                byte[] rid = new byte[32];
                new SecureRandom().nextBytes(rid);
                RepoConfig cfg = new RepoConfig(Hex.encode(rid), clock.instant(), chunkings, packSize,
                        compress ? "zstd" : "none", compress ? compressionLevel : 0);
                MasterKey master = MasterKey.generate();
                String keyName = writeKey(backend(), master, password, cfg.id(), this);
                byte[] c = cfg.encode(new Crypto(master));
                backend().put(RepoConfig.NAME, c, 0, c.length);
                return new Repository(cached(cfg.id()), cfg, master, keyName, this);
            } catch (IOException e) {
                throw new BackendException("Cannot create a repository at " + backend().location() + ": " + e.getMessage(),
                        false, e);
            }
        }

        /** Opens an existing repository. */
        public Repository open() {
            requirePassword();
            dev.cairn.internal.crypto.Warmup.start(false); // beside the key derivation
            try {
                byte[] c;
                RepoConfig cfg;
                try {
                    c = backend().get(RepoConfig.NAME);
                    try {
                        cfg = RepoConfig.parse(c);
                    } catch (IntegrityException e) {
                        c = backend().get(RepoConfig.NAME); // once more, in case the download was corrupted
                        cfg = RepoConfig.parse(c);
                    }
                } catch (NoSuchFileException e) {
                    throw new RepositoryNotFoundException("No repository at " + backend().location()
                            + ". Create one with `cairn init`, or check --repo / CAIRN_REPOSITORY.");
                }
                List<ObjectInfo> keys = backend().list(KeyFile.PREFIX);
                List<String> damaged = new ArrayList<>();
                for (ObjectInfo k : keys) {
                    KeyFile kf;
                    try {
                        kf = Reread.verified(() -> {
                            byte[] b = backend().get(k.name());
                            if (!(KeyFile.PREFIX + PackFormat.sha256(b, 0, b.length).hex()).equals(k.name())) {
                                throw new IntegrityException("key " + k.name() + " does not match its name");
                            }
                            return KeyFile.parse(b, k.name());
                        });
                    } catch (IntegrityException | NoSuchFileException e) {
                        damaged.add(k.name()); // another key may still open the repository
                        continue;
                    }
                    Optional<MasterKey> m = kf.open(password, cfg.id());
                    if (m.isPresent()) {
                        try {
                            RepoConfig.verify(c, new Crypto(m.get()));
                        } catch (IntegrityException e) {
                            c = backend().get(RepoConfig.NAME); // a corrupted download verifies on a re-read
                            RepoConfig.verify(c, new Crypto(m.get()));
                            cfg = RepoConfig.parse(c);
                        }
                        // As init(); after the key derivation, beside which the warm-up thread loads it.
                        dev.cairn.internal.util.ZstdLibrary.require();
                        return new Repository(cached(cfg.id()), cfg, m.get(), k.name(), this);
                    }
                }
                if (!damaged.isEmpty() && damaged.size() == keys.size()) {
                    throw new IntegrityException("Every key object of repository " + backend().location()
                            + " is damaged (" + String.join(", ", damaged) + "); restore the keys/ directory from a copy.");
                }
                throw new WrongPasswordException("The password does not open any of the " + keys.size() + " key(s) of "
                        + "repository " + backend().location() + (damaged.isEmpty() ? "" : " (" + damaged.size()
                        + " of them damaged: " + String.join(", ", damaged) + ")")
                        + ". Check CAIRN_PASSWORD or CAIRN_PASSWORD_FILE.");
            } catch (IOException e) {
                throw new BackendException("Cannot open repository " + backend().location() + ": " + e.getMessage(),
                        true, e);
            }
        }

        /** The backend with the cache of this remote repository, if one is set. */
        private Backend cached(String repoId) {
            return cacheRoot == null || rawBackend instanceof LocalBackend ? backend()
                    : CachingBackend.open(backend(), cacheRoot, repoId);
        }

        private void requirePassword() {
            if (password == null) {
                throw new ConfigurationException("No password given for repository " + backend().location()
                        + ": set CAIRN_PASSWORD or CAIRN_PASSWORD_FILE (or call password()).");
            }
        }
    }

    private static String writeKey(Backend backend, MasterKey master, Secret password, String repoId, Builder o)
            throws IOException {
        KeyFile kf = KeyFile.create(master, password, repoId, o.kdfMemoryKiB, o.kdfIterations, o.kdfParallelism,
                o.host, System.getProperty("user.name", ""), o.clock.instant());
        byte[] b = kf.encode();
        String name = KeyFile.PREFIX + PackFormat.sha256(b, 0, b.length).hex();
        backend.put(name, b, 0, b.length);
        return name;
    }

    private BlobIndex loadIndex() throws IOException {
        for (int attempt = 1; ; attempt++) {
            BlobIndex.Builder b = new BlobIndex.Builder();
            java.util.Set<String> names = new java.util.HashSet<>();
            try {
                for (ObjectInfo o : backend.list("index/")) {
                    if (!Hex.isHex(o.name().substring("index/".length()), 64)) {
                        continue; // not an index file (a stray temporary, a foreign object)
                    }
                    IndexFormat.decode(getVerified(o.name()), crypto, "index " + o.name(), b);
                    names.add(o.name());
                }
            } catch (NoSuchFileException e) {
                // A prune or repair replaced index files after the listing: their successors were
                // written before they were deleted, so listing again finds a complete set.
                if (attempt == 5) {
                    throw e;
                }
                continue;
            }
            indexFiles = names;
            return b.build();
        }
    }

    /**
     * Reloads the in-memory index when the index files changed since it was loaded (another
     * process or Repository object backed up, pruned or repaired). Called under a lock before a
     * backup, so that it never deduplicates against blobs a prune removed, and before reads.
     */
    private BlobIndex currentIndex() throws IOException {
        java.util.Set<String> now = new java.util.HashSet<>();
        for (ObjectInfo o : backend.list("index/")) {
            if (Hex.isHex(o.name().substring("index/".length()), 64)) {
                now.add(o.name());
            }
        }
        synchronized (this) {
            if (indexFiles == null || !now.equals(indexFiles)) {
                index = loadIndex();
            }
            return index;
        }
    }

    private Locks.Held lock(boolean exclusive, String operation) throws IOException {
        return locks.acquire(exclusive, operation, options.lockWait);
    }

    /** A shared lock for a read, or null (no lock) when the repository was opened with {@code noLock}. */
    private Locks.Held readLock(String operation) {
        if (options.noLock) {
            return null;
        }
        try {
            return lock(false, operation);
        } catch (IOException e) {
            throw new BackendException("Cannot lock " + location() + " to " + operation + ": " + e.getMessage()
                    + " (on storage these credentials can only read, pass --no-lock)", true, e);
        }
    }

    /**
     * Reads a content-addressed object ({@code index/<sha256>}, {@code snapshots/<sha256>}) and
     * checks its bytes against its name, reading again if a download was corrupted in transit.
     */
    private byte[] getVerified(String name) throws IOException {
        return getVerified(name, name.substring(name.lastIndexOf('/') + 1));
    }

    /** Reads an object whose SHA-256 must be {@code want} (hex), reading again after a corrupted download. */
    private byte[] getVerified(String name, String want) throws IOException {
        for (int attempt = 1; ; attempt++) {
            byte[] b = backend.get(name);
            if (PackFormat.sha256(b, 0, b.length).hex().equals(want)) {
                return b;
            }
            if (attempt == 3) {
                throw new IntegrityException(name + " does not match its name (SHA-256): it is damaged or was"
                        + " modified. Run `cairn check`; `cairn repair index` rebuilds index files from packs.");
            }
        }
    }

    /** Builder validation of a duration parameter. */
    private static Duration nonNegative(String parameter, Duration d) {
        if (d == null || d.isNegative()) {
            throw new IllegalArgumentException(parameter + " must not be negative: " + d);
        }
        return d;
    }

    // ---------------------------------------------------------------- info

    /** The repository's location, without credentials. */
    public String location() {
        return backend.location();
    }

    /** The repository id (64 hex). */
    public String id() {
        return config.id();
    }

    /** Blobs in the index (read again if the index files changed, or a failed prune dropped it). */
    public int indexedBlobs() {
        try {
            return currentIndex().size();
        } catch (IOException e) {
            throw new BackendException("Cannot read the index of " + location() + ": " + e.getMessage(), true, e);
        }
    }

    /** Approximate heap bytes per indexed blob (the compact index's cost). */
    public double indexBytesPerBlob() {
        BlobIndex i = index;
        return i.size() == 0 ? BlobIndex.bytesPerBlob() : (double) i.retainedBytes() / i.size();
    }

    // ---------------------------------------------------------------- backup

    /** Starts describing a backup of {@code source}. */
    public BackupCommand backup(Source source) {
        return new BackupCommand(Objects.requireNonNull(source, "source"));
    }

    /** Starts describing a backup of files and directories. */
    public BackupCommand backup(Path... paths) {
        return backup(FileSystemSource.of(paths));
    }

    /** One backup's options; {@link #run()} performs it. Not thread-safe. */
    public final class BackupCommand {
        private final Source source;
        private final List<String> tags = new ArrayList<>();
        private Instant time;
        private String host = options.host;
        private Optional<String> parent;
        private Cancellation cancellation = new Cancellation();
        private BackupListener listener = BackupListener.NONE;

        private BackupCommand(Source source) {
            this.source = source;
        }

        public BackupCommand tags(String... t) {
            for (String s : t) {
                if (s == null || s.isBlank() || s.contains(",")) {
                    throw new IllegalArgumentException("tag must be non-blank without ',': " + s);
                }
                tags.add(s);
            }
            return this;
        }

        /** The snapshot's time (default: now), e.g. to import history. */
        public BackupCommand time(Instant t) {
            this.time = Objects.requireNonNull(t, "time");
            return this;
        }

        public BackupCommand host(String h) {
            if (h == null || h.isBlank()) {
                throw new IllegalArgumentException("host must not be blank");
            }
            this.host = h;
            return this;
        }

        /** Compare with this snapshot instead of the latest of the same host and paths. */
        public BackupCommand parent(String snapshotId) {
            this.parent = Optional.of(snapshotId);
            return this;
        }

        /** Read everything, comparing with no parent. */
        public BackupCommand noParent() {
            this.parent = Optional.empty();
            return this;
        }

        public BackupCommand cancellation(Cancellation c) {
            this.cancellation = Objects.requireNonNull(c, "cancellation");
            return this;
        }

        public BackupCommand listener(BackupListener l) {
            this.listener = Objects.requireNonNull(l, "listener");
            return this;
        }

        /** Runs the backup and writes the snapshot. */
        public BackupResult run() {
            return doBackup(this);
        }
    }

    private BackupResult doBackup(BackupCommand cmd) {
        long t0 = System.nanoTime();
        Instant started = cmd.time != null ? cmd.time : options.clock.instant();
        try (Locks.Held lock = lock(false, "back up")) {
            Snapshot parent = null;
            if (cmd.parent == null) {
                parent = latest(cmd.host, cmd.source.kind(), cmd.source.paths()).orElse(null);
            } else if (cmd.parent.isPresent()) {
                parent = snapshot(cmd.parent.get());
            }
            BlobIndex idx = currentIndex();
            BlobStore store = new BlobStore(backend, crypto, config, idx, workers, options.inFlightBytes,
                    options.indexInterval, compressionLevel(cmd.source.chunking()));
            FastCdc cdc = chunkers.get(cmd.source.chunking());
            if (cdc == null) {
                throw new ConfigurationException("Source " + cmd.source.descriptor() + " asks for chunker set '"
                        + cmd.source.chunking() + "', which repository " + location() + " does not have (it has "
                        + new java.util.TreeSet<>(chunkers.keySet()) + ").");
            }
            BackupRun run = new BackupRun(store, backend, crypto, cdc, parent == null ? null : Id.parse(parent.tree()),
                    cmd.cancellation, cmd.listener);
            Id root;
            try (run) {
                cmd.source.backup(run);
                root = run.finish();
            } catch (IOException | RuntimeException e) {
                run.close(); // reader threads stop before what they stored is salvaged
                salvage(store);
                if (e instanceof BackupException be) {
                    throw be;
                }
                throw new SourceReadException("Backup of " + cmd.source.descriptor() + " failed: " + e.getMessage()
                        + ". No snapshot was written; data already stored will be reused by the next backup.", e);
            }
            List<String> errors = run.errors();
            SnapshotSummary summary = new SnapshotSummary(run.files(), run.dirs(), run.bytesTotal(), run.bytesRead(),
                    store.dataBlobsAdded(), store.treeBlobsAdded(), store.bytesAdded(), store.bytesStored(),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), !errors.isEmpty(), errors);
            Snapshot draft = new Snapshot("0".repeat(64), started, cmd.host, System.getProperty("user.name", ""),
                    cmd.tags, cmd.source.kind(), cmd.source.descriptor(), cmd.source.paths(), root.hex(),
                    parent == null ? Optional.empty() : Optional.of(parent.id()), VERSION, summary, run.facts());
            String id = writeSnapshot(draft);
            synchronized (this) {
                // Not merged into one sorted index: the next operation reloads the index files this
                // backup added, and a merge was a second copy of every blob at the end of the backup
                // (an initial backup of 500,000 small files ran out of a 128 MiB heap there).
                index = idx;
            }
            Snapshot s = new Snapshot(id, draft.time(), draft.host(), draft.username(), draft.tags(),
                    draft.sourceKind(), draft.source(), draft.paths(), draft.tree(), draft.parent(),
                    draft.programVersion(), summary, draft.facts());
            return new BackupResult(s, !errors.isEmpty(), errors);
        } catch (IOException e) {
            throw new BackendException("Backup to " + backend.location() + " failed: " + e.getMessage(), true, e);
        }
    }

    /**
     * The zstd level a backup writes with. Streams (dumps) chunked with the {@code stream} set use
     * level 1 unless the repository asks for more than the default 3: measured on an 800 MB SQL
     * dump, level 1 is 2.3x faster than level 3 and compresses 10 % better (359 vs 398 MB).
     */
    private int compressionLevel(String chunking) {
        int level = config.compressionLevel();
        return STREAM_CHUNKING.equals(chunking) && level <= 3 ? 1 : level;
    }

    /** Stores a snapshot manifest (its id field is ignored); returns the id: the SHA-256 of the object. */
    private String writeSnapshot(Snapshot s) throws IOException {
        byte[] enc = crypto.encrypt(SnapshotCodec.encode(s), SnapshotCodec.AD);
        String id = PackFormat.sha256(enc, 0, enc.length).hex();
        backend.put("snapshots/" + id, enc, 0, enc.length);
        return id;
    }

    /** After a failed backup: let queued blobs land and index them, so the next backup reuses them. */
    private void salvage(BlobStore store) {
        try {
            store.drain();
            store.flush();
        } catch (IOException | RuntimeException ignored) {
            // Best effort: unindexed packs are harmless (repair index or prune deal with them).
        } finally {
            store.discardOpenPacks(); // and none opens later (a tree continuation still running)
            synchronized (this) {
                // The next operation reloads the index from its files. The store's in-memory index also
                // holds packs stored before the failure whose index file was never written (a full
                // disk): a next backup in this process deduplicated against them and wrote a
                // snapshot naming blobs that no index file lists.
                indexFiles = null;
            }
        }
    }

    // ---------------------------------------------------------------- snapshots

    /** All snapshots, oldest first. */
    public List<Snapshot> snapshots() {
        try {
            List<String> ids = new ArrayList<>();
            for (ObjectInfo o : backend.list("snapshots/")) {
                String id = o.name().substring("snapshots/".length());
                if (Hex.isHex(id, 64)) {
                    ids.add(id);
                }
            }
            List<Snapshot> out = readSnapshots(ids);
            out.sort(Comparator.comparing(Snapshot::time).thenComparing(Snapshot::id));
            return out;
        } catch (IOException e) {
            throw new BackendException("Cannot list snapshots of " + backend.location() + ": " + e.getMessage(), true, e);
        }
    }

    /** At most this many snapshot objects are read at once. */
    static final int SNAPSHOT_READERS = 8;

    /**
     * Repositories of fewer snapshots are read without the decoded ones of the cache directory:
     * loading and rewriting that file costs more than decoding a few snapshots (an unchanged
     * re-backup with 2 snapshots: +30 ms with it), and it pays from a few dozen on (~300: -45 ms).
     */
    static final int SUMMARIES_FROM = 32;

    /**
     * The snapshots {@code ids}: from the decoded ones kept in the cache directory where it has
     * them, else read from the repository (then kept there too).
     */
    private List<Snapshot> readSnapshots(List<String> ids) throws IOException {
        if (summaries == null || ids.size() < SUMMARIES_FROM) {
            return readFromRepository(ids);
        }
        Map<String, Snapshot> known = summaries.load();
        List<String> missing = new ArrayList<>();
        for (String id : ids) {
            if (!known.containsKey(id)) {
                missing.add(id);
            }
        }
        Map<String, Snapshot> read = new HashMap<>();
        for (Snapshot s : readFromRepository(missing)) {
            read.put(s.id(), s);
        }
        List<Snapshot> out = new ArrayList<>(ids.size());
        for (String id : ids) {
            Snapshot s = known.get(id);
            out.add(s != null ? s : read.get(id));
        }
        if (!missing.isEmpty() || known.size() != ids.size()) {
            try {
                summaries.store(out); // new snapshots in, forgotten ones out
            } catch (IOException | RuntimeException e) {
                cacheUnusable(summaries.file(), e);
            }
        }
        return out;
    }

    /**
     * Reads the snapshot objects, up to {@link #SNAPSHOT_READERS} at once when there are more than a
     * few: every backup reads them all to find its parent, and a remote store answers each read
     * after a round trip (a year of nightly snapshots on S3: 365 round trips in a row). restic reads
     * them concurrently too. The first failure is thrown as it would be read alone.
     */
    private List<Snapshot> readFromRepository(List<String> ids) throws IOException {
        List<Snapshot> out = new ArrayList<>(ids.size());
        if (ids.size() <= 2) {
            for (String id : ids) {
                out.add(readSnapshot(id));
            }
            return out;
        }
        AtomicInteger n = new AtomicInteger();
        ExecutorService readers = Executors.newFixedThreadPool(Math.min(SNAPSHOT_READERS, ids.size()), r -> {
            Thread t = new Thread(r, "cairn-snapshots-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<Snapshot>> reads = new ArrayList<>(ids.size());
            for (String id : ids) {
                reads.add(readers.submit(() -> readSnapshot(id)));
            }
            for (Future<Snapshot> f : reads) {
                out.add(BlobStore.await(f));
            }
            return out;
        } finally {
            readers.shutdownNow();
        }
    }

    private Snapshot readSnapshot(String id) throws IOException {
        byte[] enc = getVerified("snapshots/" + id);
        return SnapshotCodec.decode(id, crypto.decrypt(enc, SnapshotCodec.AD, "snapshot " + id.substring(0, 8)));
    }

    /**
     * A snapshot by id, unique id prefix, or {@code latest}.
     *
     * @throws BackupException with {@link ErrorCode#CONFIGURATION} if none or several match
     */
    public Snapshot snapshot(String idOrPrefix) {
        List<Snapshot> all = snapshots();
        if ("latest".equals(idOrPrefix)) {
            if (all.isEmpty()) {
                throw new ConfigurationException("Repository " + location() + " has no snapshots yet.");
            }
            return all.get(all.size() - 1);
        }
        List<Snapshot> m = all.stream().filter(s -> s.id().startsWith(idOrPrefix)).toList();
        if (m.isEmpty() || idOrPrefix.isEmpty()) {
            throw new ConfigurationException("No snapshot " + idOrPrefix + " in " + location()
                    + ". List them with `cairn snapshots`.");
        }
        if (m.size() > 1) {
            throw new ConfigurationException("Snapshot id prefix " + idOrPrefix + " is ambiguous (" + m.size()
                    + " match). Give more characters.");
        }
        return m.get(0);
    }

    /** The latest snapshot of a host, source kind and paths (any, where an argument is null). */
    public Optional<Snapshot> latest(String host, String sourceKind, List<String> paths) {
        Snapshot best = null;
        for (Snapshot s : snapshots()) {
            if ((host == null || s.host().equals(host)) && (sourceKind == null || s.sourceKind().equals(sourceKind))
                    && (paths == null || s.paths().equals(paths))) {
                best = s;
            }
        }
        return Optional.ofNullable(best);
    }

    /** Removes a snapshot (its data stays until prune). */
    public void forget(String snapshotId) {
        Snapshot s = snapshot(snapshotId);
        try (Locks.Held lock = lock(true, "forget snapshots")) {
            backend.delete("snapshots/" + s.id());
        } catch (IOException e) {
            throw new BackendException("Cannot delete snapshot " + s.shortId() + ": " + e.getMessage(), true, e);
        }
    }

    /**
     * Applies a retention policy to every snapshot: removes those no rule keeps (unless
     * {@code dryRun}), under an exclusive lock. Data stays until {@link #prune()}.
     *
     * <p>The snapshots are listed and decided while the lock is held, so a backup cannot add one
     * between the decision and the deletions. A policy without rules keeps everything and deletes
     * nothing (as restic: "no policy was specified, no snapshots will be removed"). A dry run deletes
     * nothing and takes only a shared lock, so it may run beside a backup.
     *
     * @return one decision per snapshot, oldest first
     */
    public ForgetResult forget(dev.cairn.snapshot.RetentionPolicy policy, boolean dryRun) {
        Objects.requireNonNull(policy, "policy");
        try (Locks.Held lock = lock(!dryRun, dryRun ? "decide which snapshots to forget"
                : "forget snapshots")) {
            List<Snapshot> all = snapshots();
            List<dev.cairn.snapshot.RetentionDecision> decisions = policy.apply(all);
            if (!dryRun && !policy.isEmpty()) {
                for (dev.cairn.snapshot.RetentionDecision d : decisions) {
                    if (!d.keep()) {
                        try {
                            backend.delete("snapshots/" + d.snapshot().id());
                        } catch (IOException e) {
                            throw new BackendException("Cannot delete snapshot " + d.snapshot().shortId()
                                    + " (forget stopped; snapshots deleted so far stay deleted, the rest are kept): "
                                    + e.getMessage() + ". Run forget again.", true, e);
                        }
                    }
                }
            }
            return new ForgetResult(decisions, dryRun);
        } catch (IOException e) {
            throw new BackendException("Forget in " + location() + " failed: " + e.getMessage(), true, e);
        }
    }

    /** Starts describing a prune: removing data no snapshot references, repacking partly used packs. */
    public PruneCommand prune() {
        return new PruneCommand();
    }

    /**
     * One prune's options; {@link #run()} performs it under an exclusive lock (a dry run under a
     * shared one). Not thread-safe.
     *
     * <p>Safety against backups that run meanwhile (docs/format.md, "Prune"): the index is
     * rewritten before any pack is deleted; packs leave the storage at once only when no other
     * lock exists at all, otherwise they stay as fossils (no index names them) until a later prune
     * finds them older than the grace period with no lock older than their mark, and index them
     * again if a snapshot written meanwhile uses their blobs. Packs no index names (a running
     * backup's, a crashed one's) are deleted only after the grace period likewise.
     */
    public final class PruneCommand {
        private Duration gracePeriod = Duration.ofHours(24);
        private double repackBelow = 0.5;
        private boolean dryRun;
        private Cancellation cancellation = new Cancellation();
        private Duration waitForLock = options.lockWait;
        private boolean unindexedWithoutGrace;

        private PruneCommand() {
        }

        /**
         * Unused packs younger than this are left alone (a backup that started before prune may still
         * name them), unless no other lock exists. Default 24 h. Precisely: a pack no index names (a
         * running or crashed backup's, or one an earlier prune dropped from the index while other
         * locks existed) is deleted only once prune has known it this long and no lock older than
         * that remains; an indexed pack nothing uses is deleted at once when no other lock exists,
         * else dropped from the index and handled so by a later prune (docs/format.md, "Prune").
         */
        public PruneCommand gracePeriod(Duration d) {
            this.gracePeriod = nonNegative("gracePeriod", d);
            return this;
        }

        /** Repack packs whose live fraction of stored bytes is below this (0 never, 1 always). Default 0.5. */
        public PruneCommand repackBelow(double usedFraction) {
            if (!(usedFraction >= 0 && usedFraction <= 1)) {
                throw new IllegalArgumentException("repackBelow must be within 0..1: " + usedFraction);
            }
            this.repackBelow = usedFraction;
            return this;
        }

        /** Report what would be done, change nothing. */
        public PruneCommand dryRun(boolean v) {
            this.dryRun = v;
            return this;
        }

        public PruneCommand cancellation(Cancellation c) {
            this.cancellation = Objects.requireNonNull(c, "cancellation");
            return this;
        }

        /**
         * How long to wait for other locks (running backups) to be released before failing with
         * {@link RepositoryLockedException}; default: {@link Builder#lockWait(Duration)}.
         */
        public PruneCommand waitForLock(Duration wait) {
            this.waitForLock = nonNegative("waitForLock", wait);
            return this;
        }

        /**
         * Delete packs no index names (left by crashed backups) even when younger than the grace
         * period, provided no other lock exists at all, not even a stale one. Default false. Only
         * safe when no Cairn process can be writing to the repository without a lock.
         */
        public PruneCommand unindexedWithoutGrace(boolean v) {
            this.unindexedWithoutGrace = v;
            return this;
        }

        public PruneResult run() {
            try (Locks.Held lock = locks.acquire(!dryRun, "prune", waitForLock)) {
                synchronized (Repository.this) {
                    // The pruner reads every index file into a lookup of its own: the repository's copy
                    // (~50 bytes per blob) would only crowd the heap meanwhile (a 500,000-blob
                    // repository did not fit 128 MiB with both). Reloaded below.
                    index = BlobIndex.empty();
                    indexFiles = null;
                }
                PruneResult r = new dev.cairn.internal.prune.Pruner(backend, crypto, config, workers,
                        options.inFlightBytes, options.clock, locks, Repository.this::readSnapshot)
                        .run(new dev.cairn.internal.prune.Pruner.Options(gracePeriod, repackBelow, dryRun,
                                unindexedWithoutGrace, cancellation), lock);
                synchronized (Repository.this) {
                    index = loadIndex(); // after a failure, the next use reloads it (indexFiles is null)
                }
                return r;
            } catch (IOException e) {
                throw dev.cairn.internal.prune.Pruner.failed(location(), e);
            }
        }
    }

    // ---------------------------------------------------------------- reading

    private TreeReader trees() {
        try {
            return new TreeReader(backend, crypto, currentIndex());
        } catch (IOException e) {
            throw new BackendException("Cannot read the index of " + location() + ": " + e.getMessage(), true, e);
        }
    }

    /** Entries of a snapshot below {@code path} ("" or "/" for all), depth-first. */
    public List<SnapshotEntry> list(Snapshot snapshot, String path, boolean recursive) {
        List<SnapshotEntry> out = new ArrayList<>();
        try (Locks.Held lock = readLock("list a snapshot")) {
            TreeReader t = trees();
            Id root = Id.parse(snapshot.tree());
            String p = path == null ? "" : path.replaceAll("^/+|/+$", "");
            if (p.isEmpty()) {
                listTree(t, root, "", recursive, out);
            } else {
                Node n = t.find(root, p);
                if (n == null) {
                    throw new ConfigurationException("Path " + path + " is not in snapshot " + snapshot.shortId() + ".");
                }
                out.add(entry(p, n));
                if (n.isDir()) {
                    listTree(t, n.subtree(), p + "/", recursive, out);
                }
            }
            return out;
        } catch (IOException e) {
            throw new BackendException("Cannot read snapshot " + snapshot.shortId() + ": " + e.getMessage(), true, e);
        }
    }

    private void listTree(TreeReader t, Id tree, String prefix, boolean recursive, List<SnapshotEntry> out)
            throws IOException {
        listTree(t, tree, prefix, recursive, out, new java.util.HashSet<>());
    }

    private void listTree(TreeReader t, Id tree, String prefix, boolean recursive, List<SnapshotEntry> out,
                          java.util.Set<Id> ancestors) throws IOException {
        if (!ancestors.add(tree)) {
            throw new IntegrityException("The snapshot's directory tree contains itself at /" + prefix
                    + " (a loop): it is damaged or was crafted.");
        }
        for (Node n : t.tree(tree)) {
            out.add(entry(prefix + n.name(), n));
            if (recursive && n.isDir()) {
                listTree(t, n.subtree(), prefix + n.name() + "/", true, out, ancestors);
            }
        }
        ancestors.remove(tree);
    }

    private static SnapshotEntry entry(String path, Node n) {
        return new SnapshotEntry(path, Node.typeName(n.type()), n.mode(), n.uid(), n.gid(), n.user(), n.group(),
                n.size(), Instant.ofEpochSecond(Math.floorDiv(n.mtimeNs(), 1_000_000_000L),
                Math.floorMod(n.mtimeNs(), 1_000_000_000L)), n.linkTarget());
    }

    /** Writes one file of a snapshot to {@code out}, verifying every blob. */
    public void dump(Snapshot snapshot, String path, OutputStream out) {
        try (Locks.Held lock = readLock("read a file")) {
            TreeReader t = trees();
            Node n = t.find(Id.parse(snapshot.tree()), path);
            if (n == null || !n.isFile()) {
                throw new ConfigurationException("Path " + path + " is not a file in snapshot " + snapshot.shortId()
                        + ". List the snapshot with `cairn ls`.");
            }
            OutputGuard guard = new OutputGuard(out);
            t.writeContent(n, guard);
            guard.flush();
        } catch (OutputGuard.Failure e) {
            throw new BackupException(ErrorCode.FAILED, "Cannot write " + path + " to the output: "
                    + e.getCause().getMessage(), e.getCause());
        } catch (IOException e) {
            throw new BackendException("Cannot read " + path + " from " + location() + ": " + e.getMessage(), true, e);
        }
    }

    /**
     * Opens one file (or stream entry) of a snapshot for reading; blobs are fetched and verified
     * as the stream is read (an {@link IntegrityException} surfaces from {@code read}). For
     * restoring a dump into a database client.
     */
    public java.io.InputStream openFile(Snapshot snapshot, String path) {
        Locks.Held lock = readLock("read a file");
        boolean handedOver = false;
        try {
            TreeReader t = trees();
            Node n = t.find(Id.parse(snapshot.tree()), path);
            if (n == null || !n.isFile()) {
                throw new ConfigurationException("Path " + path + " is not a file in snapshot " + snapshot.shortId()
                        + ". List the snapshot with `cairn ls`.");
            }
            java.io.InputStream in = t.openContent(n);
            handedOver = true;
            return lock == null ? in : new java.io.FilterInputStream(in) {
                @Override
                public void close() throws IOException {
                    try {
                        super.close();
                    } finally {
                        lock.close(); // idempotent enough: a second delete of the lock file is ignored
                    }
                }
            };
        } catch (IOException e) {
            throw new BackendException("Cannot read " + path + " from " + location() + ": " + e.getMessage(), true, e);
        } finally {
            if (!handedOver && lock != null) {
                lock.close();
            }
        }
    }

    /** Writes a whole snapshot as a POSIX tar stream. */
    public void exportTar(Snapshot snapshot, OutputStream out) {
        try (Locks.Held lock = readLock("export a snapshot")) {
            new TarExporter(trees()).export(Id.parse(snapshot.tree()), new OutputGuard(out));
        } catch (OutputGuard.Failure e) {
            throw new BackupException(ErrorCode.FAILED, "Cannot write the tar stream of snapshot " + snapshot.shortId()
                    + ": " + e.getCause().getMessage(), e.getCause());
        } catch (IOException e) {
            throw new BackendException("Cannot export snapshot " + snapshot.shortId() + " from " + location() + ": "
                    + e.getMessage(), true, e);
        }
    }

    // ---------------------------------------------------------------- restore

    /** Starts describing a restore of {@code snapshot}. */
    public RestoreCommand restore(Snapshot snapshot) {
        return new RestoreCommand(Objects.requireNonNull(snapshot, "snapshot"));
    }

    /** One restore's options; {@link #to(Path)} performs it. Not thread-safe. */
    public final class RestoreCommand {
        private final Snapshot snapshot;
        private final List<String> includes = new ArrayList<>();
        private BackupListener listener = BackupListener.NONE;
        private boolean owners = isRoot();
        private Cancellation cancellation = new Cancellation();

        private RestoreCommand(Snapshot snapshot) {
            this.snapshot = snapshot;
        }

        /** Restores only these paths of the snapshot (and what is below them). */
        public RestoreCommand include(String... paths) {
            for (String p : paths) {
                if (p == null || p.isBlank()) {
                    throw new IllegalArgumentException("include path must not be blank");
                }
                includes.add(p);
            }
            return this;
        }

        public RestoreCommand listener(BackupListener l) {
            this.listener = Objects.requireNonNull(l, "listener");
            return this;
        }

        public RestoreCommand cancellation(Cancellation c) {
            this.cancellation = Objects.requireNonNull(c, "cancellation");
            return this;
        }

        /** Restore owners (uid/gid); default: only when running as root. */
        public RestoreCommand owners(boolean v) {
            this.owners = v;
            return this;
        }

        /** Restores into {@code target} (created if missing). */
        public RestoreResult to(Path target) {
            long t0 = System.nanoTime();
            try (Locks.Held lock = readLock("restore")) {
                Restorer.Result r = new Restorer(trees(), listener, owners, cancellation)
                        .restore(Id.parse(snapshot.tree()), includes, target);
                return new RestoreResult(r.files(), r.dirs(), r.bytes(), Duration.ofNanos(System.nanoTime() - t0),
                        r.warnings());
            } catch (IOException e) {
                throw new BackendException("Restore of snapshot " + snapshot.shortId() + " into " + target + " failed: "
                        + e.getMessage(), false, e);
            }
        }
    }

    private static boolean isRoot() {
        try {
            return ((Number) java.nio.file.Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue() == 0;
        } catch (IOException | RuntimeException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    // ---------------------------------------------------------------- check and repair

    /** Starts describing a check of the repository. */
    public CheckCommand check() {
        return new CheckCommand();
    }

    /**
     * One check's options; {@link #run()} performs it (under a shared lock). Every read-data run records
     * the packs it found intact in the verification ledger (docs/format.md, "Verification ledger").
     * Not thread-safe.
     */
    public final class CheckCommand {
        private boolean readData;
        private String subset;
        private long oldestBudget;
        private long seed = System.nanoTime();

        private CheckCommand() {
        }

        /** Also download every (selected) pack and verify each blob. */
        public CheckCommand readData(boolean v) {
            this.readData = v;
            return this;
        }

        /** With read-data: {@code n/t}, {@code x%}, or a byte budget such as {@code 500M}. */
        public CheckCommand subset(String spec) {
            if (spec != null) {
                if (oldestBudget > 0) {
                    throw new IllegalArgumentException("subset and oldestFirst are mutually exclusive: " + spec);
                }
                dev.cairn.internal.check.Checker.select(new ArrayList<>(), Map.of(), spec, 0); // validates
            }
            this.subset = spec;
            this.readData = readData || spec != null;
            return this;
        }

        /**
         * Read-data of the least recently verified packs (per the verification ledger stored in the
         * repository) up to {@code budgetBytes}; the ledger records each verified pack, so that
         * scheduled checks read the whole repository over time.
         *
         * <p>Packs never verified come first (by pack id), then packs by the time of their last
         * verification, oldest first; packs are taken in that order while their stored sizes fit the
         * budget, and at least one is read. Only packs that verify intact are recorded (at the
         * repository's clock), so a damaged pack stays first in line.
         *
         * @throws IllegalArgumentException if {@code budgetBytes} is not positive, or a subset was set
         */
        public CheckCommand oldestFirst(long budgetBytes) {
            if (budgetBytes <= 0) {
                throw new IllegalArgumentException("oldestFirst budgetBytes must be positive: " + budgetBytes);
            }
            if (subset != null) {
                throw new IllegalArgumentException("subset and oldestFirst are mutually exclusive: " + subset);
            }
            this.oldestBudget = budgetBytes;
            this.readData = true;
            return this;
        }

        /** Seed of the random choice of packs for {@code x%} and byte-budget subsets. */
        public CheckCommand seed(long s) {
            this.seed = s;
            return this;
        }

        public CheckReport run() {
            try (Locks.Held lock = lock(false, "check")) {
                var checker = new dev.cairn.internal.check.Checker(uncached(), crypto, Repository.this::readSnapshot)
                        .executor(workers);
                dev.cairn.internal.repo.Ledger.State ledger = null;
                List<String> ledgerWarnings = new ArrayList<>();
                if (readData) {
                    try {
                        ledger = dev.cairn.internal.repo.Ledger.read(backend, crypto);
                        ledgerWarnings.addAll(ledger.warnings());
                    } catch (IOException e) {
                        if (oldestBudget > 0) {
                            throw e;
                        }
                        ledgerWarnings.add("the verification ledger could not be read: " + e.getMessage());
                    }
                }
                if (oldestBudget > 0) {
                    Map<Id, Long> verified = ledger.verified();
                    checker.chooser(sizes -> dev.cairn.internal.repo.Ledger.oldestFirst(sizes, verified, oldestBudget));
                }
                CheckReport r = checker.run(readData, subset, seed);
                if (ledger != null && !checker.verifiedPacks().isEmpty()) {
                    try {
                        dev.cairn.internal.repo.Ledger.record(backend, crypto, ledger, checker.verifiedPacks(),
                                options.clock.instant().getEpochSecond(), checker.presentPacks().keySet());
                    } catch (IOException e) {
                        if (oldestBudget > 0) {
                            throw new BackendException("Check of " + location() + " verified "
                                    + checker.verifiedPacks().size() + " packs but could not record them in the"
                                    + " verification ledger: " + e.getMessage() + ". The next check reads them again.",
                                    true, e);
                        }
                        ledgerWarnings.add("the verified packs could not be recorded in the verification ledger: "
                                + e.getMessage());
                    }
                }
                if (ledgerWarnings.isEmpty()) {
                    return r;
                }
                List<String> w = new ArrayList<>(r.warnings());
                w.addAll(ledgerWarnings);
                return new CheckReport(r.snapshots(), r.trees(), r.blobs(), r.packs(), r.packsRead(), r.bytesRead(),
                        r.errors(), w, r.damagedPacks());
            } catch (IOException e) {
                throw new BackendException("Check of " + location() + " failed: " + e.getMessage(), true, e);
            }
        }
    }

    /**
     * Rebuilds the index from the pack headers (after index files were lost or damaged), under an
     * exclusive lock.
     */
    public RepairReport repairIndex() {
        try (Locks.Held lock = lock(true, "repair the index")) {
            RepairReport r = new dev.cairn.internal.check.Repairer(backend, crypto).rebuildIndex();
            synchronized (this) {
                index = loadIndex();
            }
            return r;
        } catch (IOException e) {
            throw new BackendException("Repair of the index of " + location() + " failed: " + e.getMessage(), true, e);
        }
    }

    /**
     * Rewrites snapshots whose data is partly gone, dropping only the files and directories whose
     * data is missing (not indexed, or in a missing pack; with {@code readData}, also in a pack
     * that fails verification). A rewritten snapshot keeps its fields, gains the tag
     * {@code repaired}, and replaces the original; a snapshot whose root tree is gone is removed.
     */
    public RepairReport repairSnapshots(boolean readData) {
        try (Locks.Held lock = lock(true, "repair snapshots")) {
            java.util.Set<Id> good = new java.util.HashSet<>();
            for (ObjectInfo o : backend.list("data/")) {
                String hex = o.name().substring(o.name().lastIndexOf('/') + 1);
                if (Hex.isHex(hex, 64)) {
                    good.add(Id.parse(hex));
                }
            }
            java.util.Map<Id, java.util.Set<Id>> damaged = java.util.Map.of();
            if (readData) {
                var checker = new dev.cairn.internal.check.Checker(uncached(), crypto, this::readSnapshot);
                checker.run(true, null, 0);
                damaged = checker.damagedCopies();
            }
            List<String> changed = new ArrayList<>();
            List<String> lost = new ArrayList<>();
            var repairer = new dev.cairn.internal.check.Repairer(backend, crypto);
            // The index first, rebuilt from the packs without the damaged copies: a blob with a good copy
            // in another pack stays usable (its files are kept), and one without leaves the index, so that
            // the trees below drop its files and a later backup of the same data stores it again instead
            // of deduplicating against what is gone.
            RepairReport ri = repairer.rebuildIndex(damaged);
            synchronized (this) {
                index = loadIndex();
            }
            BlobIndex idx = currentIndex();
            BlobStore store = new BlobStore(backend, crypto, config, idx, workers, options.inFlightBytes);
            List<Snapshot> all = new ArrayList<>();
            for (ObjectInfo o : backend.list("snapshots/")) {
                String id = o.name().substring("snapshots/".length());
                if (Hex.isHex(id, 64)) {
                    try {
                        all.add(readSnapshot(id));
                    } catch (IntegrityException e) {
                        lost.add("snapshot " + id.substring(0, 8) + ": unreadable (" + e.getMessage() + "); removed");
                        backend.delete(o.name());
                    }
                }
            }
            List<Snapshot[]> rewrites = new ArrayList<>();
            for (Snapshot s : all) {
                List<String> dropped = new ArrayList<>();
                Id root = repairer.salvageTree(store, idx, good, Id.parse(s.tree()), "", dropped,
                        new java.util.HashSet<>());
                dropped.forEach(d -> lost.add("snapshot " + s.shortId() + ": " + d));
                if (root == null) {
                    lost.add("snapshot " + s.shortId() + ": its root tree is gone; snapshot removed");
                    backend.delete("snapshots/" + s.id());
                } else if (!root.hex().equals(s.tree())) {
                    List<String> tags = new ArrayList<>(s.tags());
                    if (!tags.contains("repaired")) {
                        tags.add("repaired");
                    }
                    List<String> errs = new ArrayList<>(s.summary().errors());
                    dropped.forEach(d -> errs.add("repair: " + d));
                    SnapshotSummary m = s.summary();
                    rewrites.add(new Snapshot[]{s, new Snapshot("0".repeat(64), s.time(), s.host(), s.username(), tags,
                            s.sourceKind(), s.source(), s.paths(), root.hex(), s.parent(), s.programVersion(),
                            new SnapshotSummary(m.files(), m.dirs(), m.bytesTotal(), m.bytesRead(), m.dataBlobsAdded(),
                                    m.treeBlobsAdded(), m.bytesAdded(), m.bytesStored(), m.durationMillis(), true, errs),
                            s.facts())});
                }
            }
            store.flush(); // new trees are indexed before any snapshot names them
            for (Snapshot[] r : rewrites) {
                String id = writeSnapshot(r[1]);
                backend.delete("snapshots/" + r[0].id());
                changed.add("snapshot " + r[0].shortId() + " rewritten as " + id.substring(0, 8));
            }
            changed.addAll(ri.changed());
            lost.addAll(ri.lost());
            synchronized (this) {
                index = loadIndex();
            }
            return new RepairReport(changed, lost);
        } catch (IOException e) {
            throw new BackendException("Repair of the snapshots of " + location() + " failed: " + e.getMessage(), true,
                    e);
        }
    }

    // ---------------------------------------------------------------- drills

    /** Stores a drill report in the repository; returns it with its id. */
    public DrillReport recordDrill(DrillReport report) {
        Objects.requireNonNull(report, "report");
        return report.withId(putEncrypted(DrillCodec.encode(report), DrillCodec.AD, id -> DrillCodec.PREFIX + id,
                "drill report"));
    }

    /**
     * Encrypts and stores a record under the name {@code nameOf} gives its id (the SHA-256 of the
     * stored bytes); an identical record already stored is fine. Returns the id.
     */
    private String putEncrypted(byte[] plain, byte[] ad, java.util.function.UnaryOperator<String> nameOf,
                                String what) {
        byte[] enc = crypto.encrypt(plain, ad);
        String id = PackFormat.sha256(enc, 0, enc.length).hex();
        try {
            backend.put(nameOf.apply(id), enc, 0, enc.length);
        } catch (FileAlreadyExistsException e) {
            // identical record already stored
        } catch (IOException e) {
            throw new BackendException("Cannot store " + what + " in " + location() + ": " + e.getMessage(), true, e);
        }
        return id;
    }

    /** Every stored drill report, oldest first. */
    public List<DrillReport> drills() {
        try {
            List<DrillReport> out = new ArrayList<>();
            for (ObjectInfo o : backend.list(DrillCodec.PREFIX)) {
                String id = o.name().substring(DrillCodec.PREFIX.length());
                if (Hex.isHex(id, 64)) {
                    out.add(DrillCodec.decode(id, crypto.decrypt(backend.get(o.name()), DrillCodec.AD, "drill " + id)));
                }
            }
            out.sort(Comparator.comparing(DrillReport::time));
            return out;
        } catch (IOException e) {
            throw new BackendException("Cannot list drills of " + location() + ": " + e.getMessage(), true, e);
        }
    }

    // ---------------------------------------------------------------- job runs

    /**
     * Stores a job run record ({@code runs/<start millis>-<sha256>}, encrypted like drill reports);
     * returns it with its id (the SHA-256). {@link dev.cairn.schedule.JobRunner} calls this after every run.
     */
    public dev.cairn.schedule.JobRun recordRun(dev.cairn.schedule.JobRun run) {
        Objects.requireNonNull(run, "run");
        return run.withId(putEncrypted(dev.cairn.internal.repo.RunCodec.encode(run),
                dev.cairn.internal.repo.RunCodec.AD, id -> dev.cairn.internal.repo.RunCodec.name(run.start(), id),
                "job run record"));
    }

    /** Every stored job run record, oldest start first. */
    public List<dev.cairn.schedule.JobRun> runs() {
        return runs(Instant.EPOCH);
    }

    /**
     * The job run records of runs that started at or after {@code since}, oldest first. Only those
     * records are read (their names carry the start time), so health checks stay cheap as records pile up.
     */
    public List<dev.cairn.schedule.JobRun> runs(Instant since) {
        String prefix = dev.cairn.internal.repo.RunCodec.PREFIX;
        long from = since.toEpochMilli();
        try {
            List<dev.cairn.schedule.JobRun> out = new ArrayList<>();
            for (ObjectInfo o : backend.list(prefix)) {
                String tail = o.name().substring(prefix.length());
                long started = dev.cairn.internal.repo.RunCodec.startMillis(tail);
                if (started < 0 || started < from) {
                    continue; // not a run record, or older than asked
                }
                String id = tail.substring(tail.indexOf('-') + 1);
                try {
                    byte[] enc = getVerified(o.name(), id);
                    out.add(dev.cairn.internal.repo.RunCodec.decode(id, crypto.decrypt(enc,
                            dev.cairn.internal.repo.RunCodec.AD, "run " + id.substring(0, 8))));
                } catch (NoSuchFileException gone) {
                    // removed while listing
                } catch (IntegrityException damaged) {
                    // A damaged record is history lost, not data: it is skipped (forgetRuns removes it).
                }
            }
            out.sort(Comparator.comparing(dev.cairn.schedule.JobRun::start).thenComparing(dev.cairn.schedule.JobRun::id));
            return out;
        } catch (IOException e) {
            throw new BackendException("Cannot list job runs of " + location() + ": " + e.getMessage(), true, e);
        }
    }

    /** Removes the run records of runs that started before {@code before}; returns how many. */
    public int forgetRuns(Instant before) {
        String prefix = dev.cairn.internal.repo.RunCodec.PREFIX;
        int n = 0;
        try {
            for (ObjectInfo o : backend.list(prefix)) {
                long started = dev.cairn.internal.repo.RunCodec.startMillis(o.name().substring(prefix.length()));
                if (started >= 0 && started < before.toEpochMilli()) {
                    backend.delete(o.name());
                    n++;
                }
            }
            return n;
        } catch (IOException e) {
            throw new BackendException("Cannot remove job runs of " + location() + ": " + e.getMessage(), true, e);
        }
    }

    // ---------------------------------------------------------------- keys and locks

    /** The repository's keys. */
    public List<KeyInfo> keys() {
        try {
            List<KeyInfo> out = new ArrayList<>();
            for (ObjectInfo o : backend.list(KeyFile.PREFIX)) {
                String id = o.name().substring(KeyFile.PREFIX.length());
                try {
                    KeyFile k = KeyFile.parse(backend.get(o.name()), o.name());
                    out.add(new KeyInfo(id, k.created(), k.host(), k.username(), o.name().equals(keyName)));
                } catch (IntegrityException e) {
                    out.add(new KeyInfo(id, Instant.EPOCH, "(damaged key object)", "", false));
                }
            }
            out.sort(Comparator.comparing(KeyInfo::created));
            return out;
        } catch (IOException e) {
            throw new BackendException("Cannot list keys: " + e.getMessage(), true, e);
        }
    }

    /** Adds a key: another password that opens this repository. */
    public KeyInfo addKey(Secret password) {
        try {
            String name = writeKey(backend, master, password, config.id(), options);
            String id = name.substring(KeyFile.PREFIX.length());
            return keys().stream().filter(k -> k.id().equals(id)).findFirst().orElseThrow();
        } catch (IOException e) {
            throw new BackendException("Cannot add key: " + e.getMessage(), true, e);
        }
    }

    /** Removes a key by id or unique prefix; the key this repository was opened with cannot be removed. */
    public void removeKey(String idOrPrefix) {
        List<KeyInfo> m = keys().stream().filter(k -> k.id().startsWith(idOrPrefix)).toList();
        if (m.size() != 1 || idOrPrefix.isEmpty()) {
            throw new ConfigurationException(m.isEmpty() ? "No key " + idOrPrefix + ". List them with `cairn key list`."
                    : "Key id prefix " + idOrPrefix + " is ambiguous.");
        }
        if (m.get(0).current()) {
            throw new ConfigurationException("Key " + m.get(0).shortId() + " is the one in use. Open the repository with"
                    + " another key's password to remove it, or use `cairn key passwd`.");
        }
        try {
            backend.delete(KeyFile.PREFIX + m.get(0).id());
        } catch (IOException e) {
            throw new BackendException("Cannot remove key: " + e.getMessage(), true, e);
        }
    }

    /** Replaces the current key's password: writes the new key, then deletes the old one. */
    public synchronized KeyInfo changePassword(Secret newPassword) {
        KeyInfo added = addKey(newPassword);
        String old = keyName;
        keyName = KeyFile.PREFIX + added.id();
        try {
            backend.delete(old);
        } catch (IOException e) {
            throw new BackendException("New key " + added.shortId() + " was added but the old one could not be removed: "
                    + e.getMessage(), true, e);
        }
        return new KeyInfo(added.id(), added.created(), added.host(), added.username(), true);
    }

    /** Removes stale locks, or all locks; returns how many. */
    public int unlock(boolean all) {
        try {
            return locks.unlock(all);
        } catch (IOException e) {
            throw new BackendException("Cannot remove locks: " + e.getMessage(), true, e);
        }
    }

    /** Stored blobs by location, for tools that inspect the repository. Internal use. */
    Map<String, Object> internals() {
        return Map.of("backend", backend, "crypto", crypto, "index", index, "config", config);
    }

    @Override
    public void close() {
        workers.shutdown();
        try {
            if (!workers.awaitTermination(30, TimeUnit.SECONDS)) {
                workers.shutdownNow();
            }
        } catch (InterruptedException e) {
            workers.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
