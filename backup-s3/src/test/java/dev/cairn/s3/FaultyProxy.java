package dev.cairn.s3;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy on loopback in front of a test S3 server that breaks a share of connections: resets
 * them at once, answers 503 SlowDown, or cuts the response after a random number of bytes (a
 * request that may have landed, its answer lost). Bounded: it only relays what the test sends and
 * stops with {@link #close()}.
 */
final class FaultyProxy implements AutoCloseable {
    private final ServerSocket server;
    private final InetSocketAddress target;
    private final double rate;
    private final Random random;
    private final AtomicInteger faults = new AtomicInteger();
    private final AtomicInteger connections = new AtomicInteger();
    private final Thread acceptor;
    private volatile boolean closed;

    FaultyProxy(URI target, double rate, long seed) throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.target = new InetSocketAddress(target.getHost(), target.getPort());
        this.rate = rate;
        this.random = new Random(seed);
        this.acceptor = new Thread(this::accept, "faulty-proxy");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    int faults() {
        return faults.get();
    }

    int connections() {
        return connections.get();
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = server.accept();
                connections.incrementAndGet();
                double r;
                long cutAfter;
                synchronized (random) {
                    r = random.nextDouble();
                    cutAfter = 200 + random.nextInt(300_000);
                }
                if (r < rate / 3) {
                    faults.incrementAndGet();
                    client.setSoLinger(true, 0); // RST
                    client.close();
                } else if (r < 2 * rate / 3) {
                    faults.incrementAndGet();
                    slowDown(client);
                } else {
                    relay(client, r < rate ? cutAfter : Long.MAX_VALUE);
                }
            } catch (IOException e) {
                if (!closed) {
                    faults.incrementAndGet();
                }
            }
        }
    }

    private void slowDown(Socket client) {
        Thread t = new Thread(() -> {
            try (client) {
                client.getInputStream().read(new byte[8192]); // some of the request
                byte[] body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SlowDown</Code>"
                        + "<Message>Please reduce your request rate.</Message></Error>").getBytes(StandardCharsets.UTF_8);
                OutputStream out = client.getOutputStream();
                out.write(("HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\nContent-Length: " + body.length
                        + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(body);
                out.flush();
            } catch (IOException ignored) {
                // the client gave up first
            }
        }, "faulty-proxy-503");
        t.setDaemon(true);
        t.start();
    }

    private void relay(Socket client, long cutResponseAfter) throws IOException {
        Socket upstream = new Socket();
        upstream.connect(target, 5_000);
        pump(client, upstream, Long.MAX_VALUE, "up");
        pump(upstream, client, cutResponseAfter, "down");
    }

    private void pump(Socket from, Socket to, long limit, String dir) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[16 * 1024];
            long sent = 0;
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    int len = (int) Math.min(n, limit - sent);
                    out.write(buf, 0, len);
                    sent += len;
                    if (sent >= limit) {
                        faults.incrementAndGet();
                        to.setSoLinger(true, 0);
                        break;
                    }
                }
            } catch (IOException ignored) {
                // either side closed
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "faulty-proxy-" + dir);
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
    }
}
