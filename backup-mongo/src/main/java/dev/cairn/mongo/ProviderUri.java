package dev.cairn.mongo;

import dev.cairn.Secret;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code mongodb://} URI as the providers take it: the driver's connection string minus Cairn's
 * own query parameters, the database in the path, and the password from the environment
 * ({@code CAIRN_MONGODB_PASSWORD}, else the first line of the file {@code CAIRN_MONGODB_PASSWORD_FILE}),
 * never from the URI. Immutable.
 */
final class ProviderUri {
    static final String PASSWORD_ENV = "CAIRN_MONGODB_PASSWORD";
    static final String PASSWORD_FILE_ENV = "CAIRN_MONGODB_PASSWORD_FILE";
    private static final Pattern SHAPE = Pattern.compile("(?s)^([A-Za-z][A-Za-z0-9+.-]*)://([^/?#]*)(/[^?#]*)?(?:\\?([^#]*))?$");

    final MongoConnection connection;
    /** The database in the path, or null. */
    final String database;
    /** Cairn's parameters by lower-case name, in URI order; values decoded. */
    final Map<String, List<String>> params;

    private ProviderUri(MongoConnection connection, String database, Map<String, List<String>> params) {
        this.connection = connection;
        this.database = database;
        this.params = params;
    }

    /**
     * @param cairnKeys lower-case names of the query parameters that are Cairn's, not the driver's
     * @throws IllegalArgumentException naming the bad part (never a password)
     */
    static ProviderUri parse(URI uri, Map<String, String> env, Set<String> cairnKeys) {
        String raw = uri.toString();
        Matcher m = SHAPE.matcher(raw);
        if (!m.matches()) {
            throw new IllegalArgumentException("expected mongodb://[user@]host[:port][,host…]/[database][?options]");
        }
        String scheme = m.group(1).toLowerCase(Locale.ROOT);
        if (!scheme.equals("mongodb") && !scheme.equals("mongodb+srv")) {
            throw new IllegalArgumentException("scheme must be mongodb or mongodb+srv, not " + scheme);
        }
        String authority = m.group(2);
        int at = authority.lastIndexOf('@');
        String user = at < 0 ? null : authority.substring(0, at);
        if (user != null && user.contains(":")) {
            throw new IllegalArgumentException("the URI must not carry a password: set " + PASSWORD_ENV + " or "
                    + PASSWORD_FILE_ENV);
        }
        if (authority.substring(at + 1).isEmpty()) {
            throw new IllegalArgumentException("no host given (mongodb://host:27017/…)");
        }
        String path = m.group(3) == null ? "" : m.group(3).substring(1);
        String database = path.isEmpty() ? null : URLDecoder.decode(path, StandardCharsets.UTF_8);
        Map<String, List<String>> params = new LinkedHashMap<>();
        List<String> kept = new ArrayList<>();
        boolean mechanismGiven = false;
        if (m.group(4) != null && !m.group(4).isEmpty()) {
            for (String pair : m.group(4).split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                String k = key.toLowerCase(Locale.ROOT);
                if (cairnKeys.contains(k)) {
                    params.computeIfAbsent(k, x -> new ArrayList<>()).add(value);
                } else {
                    kept.add(pair);
                    mechanismGiven |= k.equals("authmechanism");
                }
            }
        }
        String text = scheme + "://" + authority + "/" + path + (kept.isEmpty() ? "" : "?" + String.join("&", kept));
        Secret password = null;
        if (user != null) {
            password = password(env);
            if (password == null && !mechanismGiven) {
                throw new IllegalArgumentException("user " + URLDecoder.decode(user, StandardCharsets.UTF_8)
                        + " is given but neither " + PASSWORD_ENV + " nor " + PASSWORD_FILE_ENV + " is set");
            }
        }
        return new ProviderUri(MongoConnection.of(text, password), database, params);
    }

    private static Secret password(Map<String, String> env) {
        String v = env.get(PASSWORD_ENV);
        if (v != null && !v.isEmpty()) {
            return Secret.of(v.toCharArray());
        }
        String f = env.get(PASSWORD_FILE_ENV);
        if (f != null && !f.isEmpty()) {
            return Secret.fromFile(Path.of(f));
        }
        return null;
    }

    /** The last value of a Cairn parameter, or null. */
    String param(String key) {
        List<String> v = params.get(key);
        return v == null || v.isEmpty() ? null : v.get(v.size() - 1);
    }

    /** All values of a list parameter, split at commas, blanks dropped. */
    List<String> list(String key) {
        List<String> out = new ArrayList<>();
        for (String v : params.getOrDefault(key, List.of())) {
            for (String s : v.split(",")) {
                if (!s.isBlank()) {
                    out.add(s.strip());
                }
            }
        }
        return out;
    }

    boolean flag(String key) {
        String v = param(key);
        if (v == null) {
            return false;
        }
        switch (v.toLowerCase(Locale.ROOT)) {
            case "":
            case "true":
            case "yes":
            case "1":
                return true;
            case "false":
            case "no":
            case "0":
                return false;
            default:
                throw new IllegalArgumentException(key + " must be true or false: " + v);
        }
    }
}
