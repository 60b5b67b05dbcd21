package dev.cairn;

/** No key of the repository opens with the given password. */
public class WrongPasswordException extends BackupException {
    private static final long serialVersionUID = 1L;

    public WrongPasswordException(String message) {
        super(ErrorCode.WRONG_PASSWORD, message);
    }

    public WrongPasswordException(String message, Throwable cause) {
        super(ErrorCode.WRONG_PASSWORD, message, cause);
    }
}
