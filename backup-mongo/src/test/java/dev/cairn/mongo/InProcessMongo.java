package dev.cairn.mongo;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import de.bwaldvogel.mongo.bson.Document;
import io.netty.channel.Channel;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * An in-process MongoDB wire-protocol server (mongo-java-server, memory backend: a standalone,
 * no authentication, no snapshot reads) on a free loopback port. It records the {@code create}
 * and {@code createIndexes} commands it receives, because it accepts collection options without
 * listing them back.
 */
final class InProcessMongo implements AutoCloseable {
    /** A command as the server received it. */
    record Command(String database, String name, Document body) {
    }

    private final MongoServer server;
    private final List<Command> commands = new ArrayList<>();
    private final String uri;
    private final MongoClient client;

    private InProcessMongo() {
        server = new MongoServer(new MemoryBackend() {
            @Override
            public Document handleCommand(Channel channel, String databaseName, String command, Document query) {
                if (command.equalsIgnoreCase("create") || command.equalsIgnoreCase("createIndexes")) {
                    synchronized (commands) {
                        commands.add(new Command(databaseName, command, query.clone()));
                    }
                }
                return super.handleCommand(channel, databaseName, command, query);
            }
        });
        InetSocketAddress a = server.bind();
        uri = "mongodb://127.0.0.1:" + a.getPort() + "/?serverSelectionTimeoutMS=5000";
        client = MongoClients.create(uri);
    }

    static InProcessMongo start() {
        return new InProcessMongo();
    }

    /** A connection string without credentials. */
    String uri() {
        return uri;
    }

    int port() {
        return server.getLocalAddress().getPort();
    }

    MongoClient client() {
        return client;
    }

    List<Command> commands(String database, String name) {
        synchronized (commands) {
            return commands.stream().filter(c -> c.database().equals(database) && c.name().equalsIgnoreCase(name))
                    .toList();
        }
    }

    @Override
    public void close() {
        client.close();
        server.shutdownNow();
    }
}
