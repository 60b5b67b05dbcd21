package dev.cairn.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A minimal S3 endpoint in memory on the loopback interface, for {@link CdsTraining} alone: the
 * build has no S3 server, and a class-data sharing archive without the AWS SDK's ~2,400 classes
 * (client, signing, marshalling, the HTTP client, XML) left every command on an S3 repository
 * reading and verifying them from the jar. Path-style requests only; the operations the S3
 * backend makes on small objects: bucket create and head; object put (with If-None-Match: *),
 * get (with a range), head, delete; ListObjectsV2 in one page; multi-object delete. No
 * authentication (signatures are not checked), no multipart uploads. Not a test double: tests
 * use S3Proxy.
 */
final class TrainingS3 implements AutoCloseable {
    private static final Pattern KEY_IN_DELETE = Pattern.compile("<Key>(.*?)</Key>", Pattern.DOTALL);
    private static final DateTimeFormatter ISO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'");

    private final HttpServer server;
    private final ExecutorService threads;
    private final Map<String, NavigableMap<String, byte[]>> buckets = new ConcurrentHashMap<>();

    private TrainingS3(HttpServer server, ExecutorService threads) {
        this.server = server;
        this.threads = threads;
    }

    /** Starts one on an ephemeral loopback port. */
    static TrainingS3 start() throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        ExecutorService pool = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "cairn-training-s3");
            t.setDaemon(true);
            return t;
        });
        TrainingS3 t = new TrainingS3(s, pool);
        s.createContext("/", t::handle);
        s.setExecutor(pool);
        s.start();
        return t;
    }

    /** The endpoint URL, {@code http://127.0.0.1:port}. */
    String endpoint() {
        return "http://" + server.getAddress().getAddress().getHostAddress() + ":" + server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }

    private void handle(HttpExchange x) throws IOException {
        try (x) {
            URI u = x.getRequestURI();
            String path = u.getRawPath();
            int slash = path.indexOf('/', 1);
            String bucket = decode(slash < 0 ? path.substring(1) : path.substring(1, slash));
            String key = slash < 0 || slash == path.length() - 1 ? null : decode(path.substring(slash + 1));
            Map<String, String> query = query(u.getRawQuery());
            byte[] body = x.getRequestBody().readAllBytes();
            String method = x.getRequestMethod();
            NavigableMap<String, byte[]> objects = buckets.get(bucket);
            if (key == null) {
                if (method.equals("PUT")) {
                    buckets.putIfAbsent(bucket, new ConcurrentSkipListMap<>());
                    x.sendResponseHeaders(200, -1);
                } else if (objects == null) {
                    error(x, 404, "NoSuchBucket", method);
                } else if (method.equals("HEAD")) {
                    x.sendResponseHeaders(200, -1);
                } else if (method.equals("GET") && "2".equals(query.get("list-type"))) {
                    list(x, bucket, objects, query.getOrDefault("prefix", ""));
                } else if (method.equals("POST") && query.containsKey("delete")) {
                    deleteMany(x, objects, new String(body, StandardCharsets.UTF_8));
                } else {
                    error(x, 501, "NotImplemented", method);
                }
                return;
            }
            if (objects == null) {
                error(x, 404, "NoSuchBucket", method);
                return;
            }
            switch (method) {
                case "PUT" -> {
                    if ("*".equals(x.getRequestHeaders().getFirst("If-None-Match")) && objects.containsKey(key)) {
                        error(x, 412, "PreconditionFailed", method);
                        return;
                    }
                    objects.put(key, body);
                    x.getResponseHeaders().set("ETag", etag(body));
                    x.sendResponseHeaders(200, -1);
                }
                case "GET", "HEAD" -> {
                    byte[] data = objects.get(key);
                    if (data == null) {
                        error(x, 404, "NoSuchKey", method);
                        return;
                    }
                    x.getResponseHeaders().set("ETag", etag(data));
                    x.getResponseHeaders().set("Last-Modified", DateTimeFormatter.RFC_1123_DATE_TIME.format(
                            ZonedDateTime.now(ZoneOffset.UTC)));
                    x.getResponseHeaders().set("Content-Type", "application/octet-stream");
                    String range = x.getRequestHeaders().getFirst("Range");
                    if (method.equals("HEAD")) {
                        x.getResponseHeaders().set("Content-Length", String.valueOf(data.length));
                        x.sendResponseHeaders(200, -1);
                    } else if (range != null && range.startsWith("bytes=")) {
                        String[] ab = range.substring(6).split("-", 2);
                        int from = Integer.parseInt(ab[0]);
                        int to = ab[1].isEmpty() ? data.length - 1 : Math.min(data.length - 1, Integer.parseInt(ab[1]));
                        x.getResponseHeaders().set("Content-Range", "bytes " + from + "-" + to + "/" + data.length);
                        send(x, 206, data, from, to + 1 - from);
                    } else {
                        send(x, 200, data, 0, data.length);
                    }
                }
                case "DELETE" -> {
                    objects.remove(key);
                    x.sendResponseHeaders(204, -1);
                }
                default -> error(x, 501, "NotImplemented", method);
            }
        }
    }

    private static void list(HttpExchange x, String bucket, NavigableMap<String, byte[]> objects, String prefix)
            throws IOException {
        StringBuilder s = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
                .append("<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>")
                .append(xml(bucket)).append("</Name><Prefix>").append(xml(prefix)).append("</Prefix>");
        int n = 0;
        String now = ISO.format(ZonedDateTime.now(ZoneOffset.UTC));
        StringBuilder contents = new StringBuilder();
        for (Map.Entry<String, byte[]> e : objects.tailMap(prefix, true).entrySet()) {
            if (!e.getKey().startsWith(prefix)) {
                break;
            }
            n++;
            contents.append("<Contents><Key>").append(xml(e.getKey())).append("</Key><LastModified>").append(now)
                    .append("</LastModified><ETag>").append(xml(etag(e.getValue()))).append("</ETag><Size>")
                    .append(e.getValue().length).append("</Size><StorageClass>STANDARD</StorageClass></Contents>");
        }
        s.append("<KeyCount>").append(n).append("</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>")
                .append(contents).append("</ListBucketResult>");
        byte[] b = s.toString().getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", "application/xml");
        send(x, 200, b, 0, b.length);
    }

    private static void deleteMany(HttpExchange x, NavigableMap<String, byte[]> objects, String request)
            throws IOException {
        StringBuilder s = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
                .append("<DeleteResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">");
        Matcher m = KEY_IN_DELETE.matcher(request);
        while (m.find()) {
            String key = m.group(1).replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"")
                    .replace("&apos;", "'").replace("&amp;", "&");
            objects.remove(key);
            s.append("<Deleted><Key>").append(xml(key)).append("</Key></Deleted>");
        }
        byte[] b = s.append("</DeleteResult>").toString().getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", "application/xml");
        send(x, 200, b, 0, b.length);
    }

    private static void error(HttpExchange x, int status, String code, String method) throws IOException {
        if (method.equals("HEAD")) {
            x.sendResponseHeaders(status, -1);
            return;
        }
        byte[] b = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code + "</Code><Message>" + code
                + "</Message></Error>").getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", "application/xml");
        send(x, status, b, 0, b.length);
    }


    private static void send(HttpExchange x, int status, byte[] b, int off, int len) throws IOException {
        x.sendResponseHeaders(status, len == 0 ? -1 : len);
        if (len > 0) {
            try (OutputStream o = x.getResponseBody()) {
                o.write(b, off, len);
            }
        }
    }

    private static String etag(byte[] data) {
        try {
            return "\"" + HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(data)) + "\"";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> q = new HashMap<>();
        if (raw != null) {
            for (String p : raw.split("&")) {
                int eq = p.indexOf('=');
                q.put(decode(eq < 0 ? p : p.substring(0, eq)), eq < 0 ? "" : decode(p.substring(eq + 1)));
            }
        }
        return q;
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static String xml(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
