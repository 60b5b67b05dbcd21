package dev.cairn.mysql;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * TLS settings for the connection to the server, passed through to the dump tool, the client and
 * the JDBC session. Immutable and thread-safe.
 *
 * <p>Client certificates ({@link #certificate}/{@link #key}, PEM files) reach the command-line tools
 * only; the JDBC session (which takes the consistent point and the checksums) authenticates with
 * the password, so an account that <em>requires</em> a client certificate ({@code REQUIRE X509})
 * cannot be used yet.
 *
 * @param mode        how strictly the server is checked
 * @param ca          PEM file of the certificate authority that signed the server's certificate, or null
 * @param certificate the client certificate (PEM) for the tools, or null
 * @param key         the client certificate's private key (PEM) for the tools, or null
 */
public record MySqlTls(Mode mode, Path ca, Path certificate, Path key) {
    /** How strictly the server's certificate is checked. */
    public enum Mode {
        /** No TLS. */
        DISABLED,
        /** Encrypted, the server's certificate not checked. */
        REQUIRED,
        /** Encrypted, the certificate checked against {@code ca}, the host name not. */
        VERIFY_CA,
        /** Encrypted, certificate and host name checked. */
        VERIFY_IDENTITY
    }

    public MySqlTls {
        Objects.requireNonNull(mode, "mode");
        if ((certificate == null) != (key == null)) {
            throw new IllegalArgumentException("tls certificate and key go together: certificate=" + certificate
                    + ", key=" + key);
        }
        if (mode == Mode.DISABLED && (ca != null || certificate != null)) {
            throw new IllegalArgumentException("tls mode DISABLED takes no ca or certificate");
        }
    }

    /** TLS off. */
    public static MySqlTls disabled() {
        return new MySqlTls(Mode.DISABLED, null, null, null);
    }

    /** Encrypted without checking the server (protects against eavesdropping, not impersonation). */
    public static MySqlTls required() {
        return new MySqlTls(Mode.REQUIRED, null, null, null);
    }

    /** Encrypted, the server's certificate and host name checked against {@code ca}. */
    public static MySqlTls verifyIdentity(Path ca) {
        return new MySqlTls(Mode.VERIFY_IDENTITY, Objects.requireNonNull(ca, "ca"), null, null);
    }

    /** The same settings with a client certificate for the tools. */
    public MySqlTls withClientCertificate(Path certificate, Path key) {
        return new MySqlTls(mode, ca, Objects.requireNonNull(certificate, "certificate"), Objects.requireNonNull(key,
                "key"));
    }

    Optional<Path> caFile() {
        return Optional.ofNullable(ca);
    }
}
