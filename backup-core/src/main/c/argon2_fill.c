/*
 * The memory-filling passes of Argon2id version 1.3 (RFC 9106, section 3.4) for Cairn's Argon2Kdf,
 * which keeps everything else in Java (H0, the first two blocks of each lane, the final tag) and
 * calls fill_segment once per lane and slice, from as many threads as it runs lanes at once.
 *
 * Written from the RFC. The block function G is computed with AVX2 where the CPU has it (each
 * 256-bit register holds four of the 16 words a BLAKE2b round mixes), else in portable C. The
 * Java implementation is the reference: Argon2NativeTest compares the two over many parameters.
 *
 * Memory is a private anonymous mapping, populated when mapped (on the CLI's warm-up thread, ahead
 * of the derivation) and wiped before it is unmapped.
 */
#include <jni.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#define QWORDS 128
#define SYNC_POINTS 4
#define TYPE_ID 2

static inline uint64_t rotr64(uint64_t x, int n) {
    return (x >> n) | (x << (64 - n));
}

/* BLAKE2b's addition with Argon2's multiplication of the low halves (BlaMka). */
static inline uint64_t blamka(uint64_t x, uint64_t y) {
    return x + y + 2 * (uint64_t) (uint32_t) x * (uint32_t) y;
}

#define GB(a, b, c, d) do { \
        a = blamka(a, b); d = rotr64(d ^ a, 32); \
        c = blamka(c, d); b = rotr64(b ^ c, 24); \
        a = blamka(a, b); d = rotr64(d ^ a, 16); \
        c = blamka(c, d); b = rotr64(b ^ c, 63); \
    } while (0)

/* One BLAKE2b round over the 16 words at the given indices of z. */
static inline void round16(uint64_t *z, const int i[16]) {
    uint64_t v[16];
    for (int k = 0; k < 16; k++) {
        v[k] = z[i[k]];
    }
    GB(v[0], v[4], v[8], v[12]);
    GB(v[1], v[5], v[9], v[13]);
    GB(v[2], v[6], v[10], v[14]);
    GB(v[3], v[7], v[11], v[15]);
    GB(v[0], v[5], v[10], v[15]);
    GB(v[1], v[6], v[11], v[12]);
    GB(v[2], v[7], v[8], v[13]);
    GB(v[3], v[4], v[9], v[14]);
    for (int k = 0; k < 16; k++) {
        z[i[k]] = v[k];
    }
}

/* next = G(prev, ref), XORed into next when with_xor (passes after the first). */
static void fill_block_portable(const uint64_t *prev, const uint64_t *ref, uint64_t *next, int with_xor) {
    uint64_t r[QWORDS], z[QWORDS];
    for (int k = 0; k < QWORDS; k++) {
        r[k] = prev[k] ^ ref[k];
        z[k] = r[k];
    }
    for (int row = 0; row < 8; row++) {
        int i[16];
        for (int k = 0; k < 16; k++) {
            i[k] = 16 * row + k;
        }
        round16(z, i);
    }
    for (int col = 0; col < 8; col++) {
        int i[16];
        for (int k = 0; k < 8; k++) {
            i[2 * k] = 2 * col + 16 * k;
            i[2 * k + 1] = 2 * col + 16 * k + 1;
        }
        round16(z, i);
    }
    for (int k = 0; k < QWORDS; k++) {
        next[k] = (with_xor ? next[k] : 0) ^ r[k] ^ z[k];
    }
}

#if defined(__x86_64__)
#define AVX2 __attribute__((target("avx2")))

AVX2 static inline __m256i blamka4(__m256i x, __m256i y) {
    __m256i m = _mm256_mul_epu32(x, y);
    return _mm256_add_epi64(_mm256_add_epi64(x, y), _mm256_add_epi64(m, m));
}

/* G on four columns at once: a, b, c, d each hold one word of four independent G's. */
AVX2 static inline void g4(__m256i *a, __m256i *b, __m256i *c, __m256i *d) {
    const __m256i rot24 = _mm256_setr_epi8(3, 4, 5, 6, 7, 0, 1, 2, 11, 12, 13, 14, 15, 8, 9, 10,
                                           3, 4, 5, 6, 7, 0, 1, 2, 11, 12, 13, 14, 15, 8, 9, 10);
    const __m256i rot16 = _mm256_setr_epi8(2, 3, 4, 5, 6, 7, 0, 1, 10, 11, 12, 13, 14, 15, 8, 9,
                                           2, 3, 4, 5, 6, 7, 0, 1, 10, 11, 12, 13, 14, 15, 8, 9);
    *a = blamka4(*a, *b);
    *d = _mm256_shuffle_epi32(_mm256_xor_si256(*d, *a), _MM_SHUFFLE(2, 3, 0, 1));
    *c = blamka4(*c, *d);
    *b = _mm256_shuffle_epi8(_mm256_xor_si256(*b, *c), rot24);
    *a = blamka4(*a, *b);
    *d = _mm256_shuffle_epi8(_mm256_xor_si256(*d, *a), rot16);
    *c = blamka4(*c, *d);
    __m256i t = _mm256_xor_si256(*b, *c);
    *b = _mm256_xor_si256(_mm256_srli_epi64(t, 63), _mm256_add_epi64(t, t));
}

/*
 * One BLAKE2b round over 16 words held as a = words 0-3, b = 4-7, c = 8-11, d = 12-15: the column
 * step, then the diagonal step with b, c and d rotated by one, two and three words.
 */
AVX2 static inline void round4(__m256i *a, __m256i *b, __m256i *c, __m256i *d) {
    g4(a, b, c, d);
    *b = _mm256_permute4x64_epi64(*b, _MM_SHUFFLE(0, 3, 2, 1));
    *c = _mm256_permute4x64_epi64(*c, _MM_SHUFFLE(1, 0, 3, 2));
    *d = _mm256_permute4x64_epi64(*d, _MM_SHUFFLE(2, 1, 0, 3));
    g4(a, b, c, d);
    *b = _mm256_permute4x64_epi64(*b, _MM_SHUFFLE(2, 1, 0, 3));
    *c = _mm256_permute4x64_epi64(*c, _MM_SHUFFLE(1, 0, 3, 2));
    *d = _mm256_permute4x64_epi64(*d, _MM_SHUFFLE(0, 3, 2, 1));
}

AVX2 static void fill_block_avx2(const uint64_t *prev, const uint64_t *ref, uint64_t *next, int with_xor) {
    __m256i s[32], r[32];
    for (int k = 0; k < 32; k++) {
        r[k] = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *) (prev + 4 * k)),
                                _mm256_loadu_si256((const __m256i *) (ref + 4 * k)));
        s[k] = r[k];
    }
    /* Rows: row i is words 16i..16i+15, s[4i..4i+3]. */
    for (int i = 0; i < 8; i++) {
        round4(&s[4 * i], &s[4 * i + 1], &s[4 * i + 2], &s[4 * i + 3]);
    }
    /*
     * Columns: column i takes the word pairs 2i, 2i+16, 2i+32 ... 2i+112, i.e. one 128-bit half of
     * s[i/2], s[i/2+4], s[i/2+8] ... s[i/2+28]: columns 2j and 2j+1 are the low and high halves
     * of the same eight registers, and are done together.
     */
    for (int j = 0; j < 4; j++) {
        __m256i a0 = _mm256_permute2x128_si256(s[j], s[j + 4], 0x20);
        __m256i a1 = _mm256_permute2x128_si256(s[j], s[j + 4], 0x31);
        __m256i b0 = _mm256_permute2x128_si256(s[j + 8], s[j + 12], 0x20);
        __m256i b1 = _mm256_permute2x128_si256(s[j + 8], s[j + 12], 0x31);
        __m256i c0 = _mm256_permute2x128_si256(s[j + 16], s[j + 20], 0x20);
        __m256i c1 = _mm256_permute2x128_si256(s[j + 16], s[j + 20], 0x31);
        __m256i d0 = _mm256_permute2x128_si256(s[j + 24], s[j + 28], 0x20);
        __m256i d1 = _mm256_permute2x128_si256(s[j + 24], s[j + 28], 0x31);
        round4(&a0, &b0, &c0, &d0);
        round4(&a1, &b1, &c1, &d1);
        s[j] = _mm256_permute2x128_si256(a0, a1, 0x20);
        s[j + 4] = _mm256_permute2x128_si256(a0, a1, 0x31);
        s[j + 8] = _mm256_permute2x128_si256(b0, b1, 0x20);
        s[j + 12] = _mm256_permute2x128_si256(b0, b1, 0x31);
        s[j + 16] = _mm256_permute2x128_si256(c0, c1, 0x20);
        s[j + 20] = _mm256_permute2x128_si256(c0, c1, 0x31);
        s[j + 24] = _mm256_permute2x128_si256(d0, d1, 0x20);
        s[j + 28] = _mm256_permute2x128_si256(d0, d1, 0x31);
    }
    for (int k = 0; k < 32; k++) {
        __m256i v = _mm256_xor_si256(r[k], s[k]);
        if (with_xor) {
            v = _mm256_xor_si256(v, _mm256_loadu_si256((const __m256i *) (next + 4 * k)));
        }
        _mm256_storeu_si256((__m256i *) (next + 4 * k), v);
    }
}
#endif

typedef void (*fill_block_fn)(const uint64_t *, const uint64_t *, uint64_t *, int);

/* The fastest block function the CPU runs, AVX2 only when max_level allows it (tests pass 1). */
static fill_block_fn fill_block_impl(int max_level) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (max_level >= 2 && __builtin_cpu_supports("avx2")) {
        return fill_block_avx2;
    }
#endif
    return fill_block_portable;
}

/* The next block of data-independent addresses: G(0, G(0, input)) with the counter raised. */
static void next_addresses(fill_block_fn fill, uint64_t *input, uint64_t *address) {
    static const uint64_t zero[QWORDS];
    uint64_t tmp[QWORDS];
    input[6]++;
    fill(zero, input, tmp, 0);
    fill(zero, tmp, address, 0);
}

/* One segment of one lane, exactly as Argon2Kdf.HeapMemory#fillSegment. */
static void fill_segment(fill_block_fn fill, uint64_t *mem, uint32_t pass, uint32_t slice, uint32_t lane,
                         uint32_t lanes, uint32_t lane_length, uint32_t segment, uint32_t blocks,
                         uint32_t passes) {
    int independent = pass == 0 && slice < SYNC_POINTS / 2;
    uint32_t start = pass == 0 && slice == 0 ? 2 : 0;
    uint64_t input[QWORDS], address[QWORDS];
    if (independent) {
        memset(input, 0, sizeof input);
        input[0] = pass;
        input[1] = lane;
        input[2] = slice;
        input[3] = blocks;
        input[4] = passes;
        input[5] = TYPE_ID;
        if (start == 2) {
            next_addresses(fill, input, address);
        }
    }
    uint32_t cur = lane * lane_length + slice * segment + start;
    uint32_t prev = cur % lane_length == 0 ? cur + lane_length - 1 : cur - 1;
    uint64_t start_position = pass == 0 ? 0 : ((slice + 1) * segment) % lane_length;
    uint32_t finished = pass == 0 ? slice * segment : lane_length - segment;
    int first_slice = pass == 0 && slice == 0;
    for (uint32_t index = start; index < segment; index++, cur++, prev++) {
        if (cur % lane_length == 1) {
            prev = cur - 1;
        }
        uint64_t rand;
        if (independent) {
            if (index % QWORDS == 0) {
                next_addresses(fill, input, address);
            }
            rand = address[index % QWORDS];
        } else {
            rand = mem[(uint64_t) prev * QWORDS];
        }
        uint32_t ref_lane = first_slice ? lane : (uint32_t) ((rand >> 32) % lanes);
        uint64_t area = ref_lane == lane ? (uint64_t) finished + index - 1 : (uint64_t) finished - (index == 0);
        uint64_t x = rand & 0xFFFFFFFFu;
        x = (x * x) >> 32;
        x = area - 1 - ((area * x) >> 32);
        uint64_t ref_column = (start_position + x) % lane_length;
        fill(mem + (uint64_t) prev * QWORDS, mem + ((uint64_t) lane_length * ref_lane + ref_column) * QWORDS,
             mem + (uint64_t) cur * QWORDS, pass != 0);
    }
}

static fill_block_fn chosen;

JNIEXPORT jint JNICALL Java_dev_cairn_internal_crypto_Argon2Native_init(JNIEnv *env, jclass cls, jint max_level) {
    (void) env;
    (void) cls;
    chosen = fill_block_impl(max_level);
#if defined(__x86_64__)
    return chosen == fill_block_avx2 ? 2 : 1;
#else
    return 1;
#endif
}

JNIEXPORT jlong JNICALL Java_dev_cairn_internal_crypto_Argon2Native_map(JNIEnv *env, jclass cls, jlong bytes) {
    (void) env;
    (void) cls;
    void *p = mmap(NULL, (size_t) bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    return p == MAP_FAILED ? 0 : (jlong) (intptr_t) p;
}

JNIEXPORT void JNICALL Java_dev_cairn_internal_crypto_Argon2Native_wipe(JNIEnv *env, jclass cls, jlong address,
                                                                          jlong offset, jlong bytes) {
    (void) env;
    (void) cls;
    explicit_bzero((char *) (intptr_t) address + offset, (size_t) bytes);
}

JNIEXPORT void JNICALL Java_dev_cairn_internal_crypto_Argon2Native_unmap(JNIEnv *env, jclass cls, jlong address,
                                                                           jlong bytes) {
    (void) env;
    (void) cls;
    munmap((void *) (intptr_t) address, (size_t) bytes);
}

JNIEXPORT void JNICALL Java_dev_cairn_internal_crypto_Argon2Native_put(JNIEnv *env, jclass cls, jlong address,
                                                                         jint block, jlongArray words) {
    (void) cls;
    (*env)->GetLongArrayRegion(env, words, 0, QWORDS,
                               (jlong *) ((uint64_t *) (intptr_t) address + (uint64_t) block * QWORDS));
}

JNIEXPORT void JNICALL Java_dev_cairn_internal_crypto_Argon2Native_get(JNIEnv *env, jclass cls, jlong address,
                                                                         jint block, jlongArray words) {
    (void) cls;
    (*env)->SetLongArrayRegion(env, words, 0, QWORDS,
                               (const jlong *) ((uint64_t *) (intptr_t) address + (uint64_t) block * QWORDS));
}

JNIEXPORT void JNICALL Java_dev_cairn_internal_crypto_Argon2Native_fillSegment(
        JNIEnv *env, jclass cls, jlong address, jint pass, jint slice, jint lane, jint lanes, jint lane_length,
        jint segment, jint blocks, jint passes) {
    (void) env;
    (void) cls;
    fill_segment(chosen, (uint64_t *) (intptr_t) address, (uint32_t) pass, (uint32_t) slice, (uint32_t) lane,
                 (uint32_t) lanes, (uint32_t) lane_length, (uint32_t) segment, (uint32_t) blocks, (uint32_t) passes);
}
