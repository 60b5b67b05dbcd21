package dev.cairn;

import dev.cairn.restore.RestoreTarget;
import dev.cairn.restore.RestoreTargetProvider;
import dev.cairn.source.Source;
import dev.cairn.source.SourceProvider;
import dev.cairn.verify.Drill;
import dev.cairn.verify.DrillProvider;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Finds adapters configured by text: sources and restore targets by URI scheme, drills by
 * snapshot source kind, through {@link ServiceLoader}. Two providers of one scheme fail; an
 * unknown scheme lists the known ones and names the module that provides it. Stateless.
 */
public final class Adapters {
    private static final Map<String, String> MODULES = Map.of("mysql", "backup-mysql", "mariadb", "backup-mysql",
            "mongodb", "backup-mongo", "mongodb+srv", "backup-mongo", "s3", "backup-s3");

    private Adapters() {
    }

    /** Whether text names a source or target by URI ({@code scheme://…}) rather than a path. */
    public static boolean isUri(String text) {
        return text != null && text.matches("[A-Za-z][A-Za-z0-9+.-]*://.*");
    }

    /** A source for {@code uri}, e.g. {@code mysql://backup@db1/shop}. */
    public static Source source(String uri, Map<String, String> env) {
        URI u = parse(uri);
        SourceProvider p = find(SourceProvider.class, SourceProvider::scheme, u.getScheme(), "source");
        try {
            return p.create(u, env);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException("Invalid source " + redact(u) + ": " + e.getMessage(), e);
        }
    }

    /** A restore target for {@code uri}, e.g. {@code mysql://db2/shop_restored}. */
    public static RestoreTarget restoreTarget(String uri, Map<String, String> env) {
        URI u = parse(uri);
        RestoreTargetProvider p = find(RestoreTargetProvider.class, RestoreTargetProvider::scheme, u.getScheme(),
                "restore target");
        try {
            return p.create(u, env);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException("Invalid restore target " + redact(u) + ": " + e.getMessage(), e);
        }
    }

    /** The drill for snapshots of {@code sourceKind}; {@code scratch} may be null (the provider's default). */
    public static Drill drill(String sourceKind, String scratch, Map<String, String> env) {
        DrillProvider p = find(DrillProvider.class, DrillProvider::sourceKind, sourceKind, "drill");
        try {
            return p.create(scratch, env);
        } catch (IllegalArgumentException e) {
            String shown = scratch == null ? "(none given: pass --scratch)" : isUri(scratch)
                    ? redact(URI.create(scratch.replace(" ", "%20"))) : scratch;
            throw new ConfigurationException("Invalid drill scratch target " + shown + ": " + e.getMessage(), e);
        }
    }

    private static URI parse(String uri) {
        try {
            URI u = new URI(uri);
            if (u.getScheme() == null) {
                throw new ConfigurationException("Not a URI with a scheme: " + uri);
            }
            if (u.getUserInfo() != null && u.getUserInfo().contains(":")) {
                throw new ConfigurationException("Refusing a password inside a URI (" + redact(u) + "): pass it "
                        + "through the environment variable the adapter documents, or a secret file.");
            }
            return u;
        } catch (URISyntaxException e) {
            throw new ConfigurationException("Not a valid URI: " + e.getMessage(), e);
        }
    }

    /** A URI without its user-info password, for messages. */
    public static String redact(URI u) {
        String ui = u.getUserInfo();
        if (ui == null || !ui.contains(":")) {
            return u.toString();
        }
        return u.toString().replace(ui + "@", ui.substring(0, ui.indexOf(':')) + ":***@");
    }

    private static <P> P find(Class<P> type, Function<P, String> key, String wanted, String what) {
        String w = wanted == null ? "" : wanted.toLowerCase(Locale.ROOT);
        Map<String, P> all = new TreeMap<>();
        for (P p : ServiceLoader.load(type)) {
            P prev = all.put(key.apply(p), p);
            if (prev != null) {
                throw new ConfigurationException("Two " + what + " providers for '" + key.apply(p) + "': "
                        + prev.getClass().getName() + " and " + p.getClass().getName() + ". Remove one module.");
            }
        }
        P p = all.get(w);
        if (p == null) {
            List<String> known = new ArrayList<>(all.keySet());
            String module = MODULES.get(w);
            throw new ConfigurationException("No " + what + " for '" + wanted + "' (known: "
                    + (known.isEmpty() ? "none" : String.join(", ", known)) + ")"
                    + (module == null ? "." : ". Add the " + module + " module to the class path."));
        }
        return p;
    }
}
