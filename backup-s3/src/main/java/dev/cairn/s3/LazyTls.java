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
 * TLS for the S3 client of a plain-http endpoint (MinIO, Ceph or S3Proxy on a private network),
 * set up only if a connection ever needs it: the SDK's default builds its SSL context when the
 * client is built (the JDK's trust store parsed, the TLS provider initialised: ~145 ms of every
 * command's start on two cores), though such an endpoint never uses it. If one does (a request
 * sent to an https URL), the same TLS as the SDK's default: a "TLS" context with the JDK's default
 * trust managers and the key managers of the javax.net.ssl.keyStore properties (the SDK's
 * {@link SystemPropertyTlsKeyManagersProvider}), and Apache's default host name verification.
 * https endpoints, AWS's included, keep the SDK's own set-up.
 */
final class LazyTls implements TlsSocketStrategy {
    private volatile TlsSocketStrategy delegate;

    @Override
    public SSLSocket upgrade(Socket socket, String target, int port, Object attachment, HttpContext context)
            throws IOException {
        return delegate().upgrade(socket, target, port, attachment, context);
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
