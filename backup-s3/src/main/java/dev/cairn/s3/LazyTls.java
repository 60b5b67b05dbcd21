package dev.cairn.s3;

import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.client5.http.ssl.HttpsSupport;
import org.apache.hc.client5.http.ssl.TlsSocketStrategy;
import org.apache.hc.core5.http.protocol.HttpContext;
import software.amazon.awssdk.http.SystemPropertyTlsKeyManagersProvider;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.net.Socket;
import java.security.GeneralSecurityException;

/**
 * TLS for the S3 client's connections, set up at the first https connection rather than when the
 * client is built: the SDK's default builds its SSL context eagerly (the JDK's trust store parsed,
 * the TLS provider initialised: ~145 ms of every command's start on two cores), which a plain-http
 * endpoint (MinIO, Ceph or S3Proxy on a private network) never uses. The same TLS as the SDK's
 * default otherwise: a "TLS" context with the JDK's default trust managers and the key managers of
 * the javax.net.ssl.keyStore properties (the SDK's {@link SystemPropertyTlsKeyManagersProvider}),
 * and Apache's default host name verification. {@link #prepare} starts that set-up on a
 * background thread when the endpoint is https (AWS itself), beside the key derivation.
 */
final class LazyTls implements TlsSocketStrategy {
    private volatile TlsSocketStrategy delegate;

    @Override
    public SSLSocket upgrade(Socket socket, String target, int port, Object attachment, HttpContext context)
            throws IOException {
        return delegate().upgrade(socket, target, port, attachment, context);
    }

    /** Starts the set-up on a daemon thread, so that the first https connection finds it done. */
    void prepare() {
        Thread t = new Thread(() -> {
            try {
                delegate();
            } catch (IOException | RuntimeException e) {
                // The first connection sets it up again and reports the failure.
            }
        }, "cairn-tls-setup");
        t.setDaemon(true);
        t.start();
    }

    private TlsSocketStrategy delegate() throws IOException {
        TlsSocketStrategy d = delegate;
        if (d == null) {
            synchronized (this) {
                d = delegate;
                if (d == null) {
                    try {
                        SSLContext ctx = SSLContext.getInstance("TLS");
                        ctx.init(SystemPropertyTlsKeyManagersProvider.create().keyManagers(), null, null);
                        d = new DefaultClientTlsStrategy(ctx, HttpsSupport.getDefaultHostnameVerifier());
                    } catch (GeneralSecurityException e) {
                        throw new IOException("cannot set up TLS: " + e.getMessage(), e);
                    }
                    delegate = d;
                }
            }
        }
        return d;
    }
}
