package dev.cairn.source;

/** Kinds of entries a source hands to a backup. Codes are stored in the repository: never renumber. */
public enum EntryType {
    FILE(1), DIRECTORY(2), SYMLINK(3), FIFO(4), CHAR_DEVICE(5), BLOCK_DEVICE(6), SOCKET(7);

    private final int code;

    EntryType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static EntryType ofCode(int code) {
        for (EntryType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown entry type code " + code);
    }
}
