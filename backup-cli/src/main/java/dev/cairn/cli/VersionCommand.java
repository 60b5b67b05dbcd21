package dev.cairn.cli;

import dev.cairn.Repository;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cairn version}. */
@Command(name = "version", description = "Print the version of cairn, and of the Java runtime it runs on.")
final class VersionCommand extends RepoCommand {
    @Option(names = "--json", description = "Print one JSON object: version, java, os, arch.")
    boolean json;

    static String text() {
        return "cairn " + Repository.VERSION + " (Java " + System.getProperty("java.version") + ", "
                + System.getProperty("os.name") + " " + System.getProperty("os.arch") + ")";
    }

    @Override
    public Integer call() {
        if (json) {
            ObjectNode n = Json.MAPPER.createObjectNode();
            n.put("version", Repository.VERSION);
            n.put("java", System.getProperty("java.version"));
            n.put("os", System.getProperty("os.name"));
            n.put("arch", System.getProperty("os.arch"));
            Json.print(out(), n);
            return Main.OK;
        }
        out().println(text());
        return Main.OK;
    }
}
