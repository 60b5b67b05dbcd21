package dev.cairn.cli;

import dev.cairn.Repository;
import picocli.CommandLine.Command;

/** {@code cairn version}. */
@Command(name = "version", description = "Print the version.")
final class VersionCommand extends RepoCommand {
    static String text() {
        return "cairn " + Repository.VERSION + " (Java " + System.getProperty("java.version") + ", "
                + System.getProperty("os.name") + " " + System.getProperty("os.arch") + ")";
    }

    @Override
    public Integer call() {
        out().println(text());
        return Main.OK;
    }
}
