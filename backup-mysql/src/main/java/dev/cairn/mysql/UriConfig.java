package dev.cairn.mysql;

import dev.cairn.Secret;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A server given as text, as the CLI and configuration give it:
 * {@code mysql://user@host:port/path?tls=verify-identity&tls-ca=/etc/ssl/ca.pem}. The password
 * never comes from the URI but from the environment: {@value #PASSWORD_ENV} (the value) or
 * {@value #PASSWORD_FILE_ENV} (a file holding it); neither means no password. Unknown query
 * parameters fail. Immutable.
 */
record UriConfig(String scheme, String host, int port, String user, String path, Map<String, String> params) {
    static final String PASSWORD_ENV = "CAIRN_MYSQL_PASSWORD";
    static final String PASSWORD_FILE_ENV = "CAIRN_MYSQL_PASSWORD_FILE";
    static final Set<String> CONNECTION_PARAMS = Set.of("tls", "tls-ca", "tls-cert", "tls-key", "dump-tool",
            "client-tool");

    static UriConfig parse(URI u, Set<String> extraParams) {
        if (u.getHost() == null) {
            throw new IllegalArgumentException("no host in " + u.getScheme() + "://user@host:port/…");
        }
        String info = u.getRawUserInfo();
        if (info == null || info.isEmpty()) {
            throw new IllegalArgumentException("no user: write " + u.getScheme() + "://user@" + u.getHost() + "/…");
        }
        if (info.contains(":")) {
            throw new IllegalArgumentException("a password does not belong in the URI; set " + PASSWORD_ENV + " or "
                    + PASSWORD_FILE_ENV);
        }
        Map<String, String> params = new LinkedHashMap<>();
        if (u.getRawQuery() != null && !u.getRawQuery().isEmpty()) {
            for (String kv : u.getRawQuery().split("&")) {
                int eq = kv.indexOf('=');
                String k = decode(eq < 0 ? kv : kv.substring(0, eq));
                String v = eq < 0 ? "" : decode(kv.substring(eq + 1));
                if (!CONNECTION_PARAMS.contains(k) && !extraParams.contains(k)) {
                    throw new IllegalArgumentException("unknown parameter '" + k + "' (known: "
                            + new java.util.TreeSet<>(union(extraParams)) + ")");
                }
                params.put(k, v);
            }
        }
        String host = u.getHost().startsWith("[") ? u.getHost().substring(1, u.getHost().length() - 1) : u.getHost();
        String path = u.getRawPath() == null ? "" : decode(u.getRawPath().replaceAll("^/+|/+$", ""));
        return new UriConfig(u.getScheme().toLowerCase(java.util.Locale.ROOT), host, u.getPort() < 0 ? 3306 : u.getPort(),
                decode(info), path, Map.copyOf(params));
    }

    private static Set<String> union(Set<String> extra) {
        Set<String> s = new java.util.HashSet<>(CONNECTION_PARAMS);
        s.addAll(extra);
        return s;
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    /** Sets host, port, user, password (from {@code env}), TLS and tool paths on a builder. */
    <B extends MySqlConnectionOptions<B>> B apply(B b, Map<String, String> env) {
        b.host(host).port(port).user(user);
        String pw = env.get(PASSWORD_ENV);
        String file = env.get(PASSWORD_FILE_ENV);
        if (pw != null && !pw.isEmpty() && file != null && !file.isEmpty()) {
            throw new IllegalArgumentException("set only one of " + PASSWORD_ENV + " and " + PASSWORD_FILE_ENV);
        }
        if (pw != null && !pw.isEmpty()) {
            b.password(Secret.of(pw.toCharArray()));
        } else if (file != null && !file.isEmpty()) {
            b.password(Secret.fromFile(Path.of(file)));
        }
        String mode = params.get("tls");
        if (mode != null || params.containsKey("tls-ca") || params.containsKey("tls-cert")) {
            MySqlTls.Mode m;
            try {
                m = mode == null ? MySqlTls.Mode.VERIFY_IDENTITY
                        : MySqlTls.Mode.valueOf(mode.toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("tls must be disabled, required, verify-ca or verify-identity: " + mode);
            }
            b.tls(new MySqlTls(m, path("tls-ca"), path("tls-cert"), path("tls-key")));
        }
        if (params.containsKey("dump-tool")) {
            b.dumpTool(Path.of(params.get("dump-tool")));
        }
        if (params.containsKey("client-tool")) {
            b.clientTool(Path.of(params.get("client-tool")));
        }
        return b;
    }

    private Path path(String key) {
        String v = params.get(key);
        return v == null || v.isEmpty() ? null : Path.of(v);
    }

    Duration seconds(String key, Duration dflt) {
        String v = params.get(key);
        if (v == null) {
            return dflt;
        }
        try {
            return Duration.ofSeconds(Long.parseLong(v));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a number of seconds: " + v);
        }
    }
}
