package dev.cairn.s3;

import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;

import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;

/**
 * Maps SDK failures onto the {@link dev.cairn.backend.Backend} contract: a missing object is
 * {@link NoSuchFileException}, a refused create-only write {@link FileAlreadyExistsException}
 * (both permanent); everything else an {@link IOException} whose message names the bucket, the key
 * and the fix. The SDK has already retried throttling, 5xx and I/O failures by then, so those
 * messages say "retriable"; other 4xx are not retried and say what to change.
 */
final class S3Errors {
    private S3Errors() {
    }

    static int status(SdkException e) {
        return e instanceof AwsServiceException a ? a.statusCode() : -1;
    }

    static String code(SdkException e) {
        if (e instanceof AwsServiceException a && a.awsErrorDetails() != null
                && a.awsErrorDetails().errorCode() != null) {
            return a.awsErrorDetails().errorCode();
        }
        return "";
    }

    static boolean isNoSuchBucket(SdkException e) {
        return "NoSuchBucket".equals(code(e));
    }

    static boolean isNotFound(SdkException e) {
        return status(e) == 404 || "NoSuchKey".equals(code(e)) || isNoSuchBucket(e);
    }

    /**
     * @param what the operation, for the message ("upload", "read", "list"…)
     * @param name the repository-relative name the caller used ({@code data/ab/…}), for permanent errors
     */
    static IOException map(SdkException e, String what, String bucket, String key, String name) {
        String where = "s3://" + bucket + "/" + key;
        if (e instanceof SdkClientException && (e.getCause() instanceof InterruptedException
                || e.getCause() instanceof InterruptedIOException || Thread.currentThread().isInterrupted())) {
            Thread.currentThread().interrupt();
            InterruptedIOException ie = new InterruptedIOException("Interrupted during " + what + " of " + where);
            ie.initCause(e);
            return ie;
        }
        if (e instanceof ApiCallTimeoutException || e instanceof ApiCallAttemptTimeoutException) {
            return new IOException("Timed out during " + what + " of " + where + " (retriable): " + e.getMessage(), e);
        }
        if (!(e instanceof AwsServiceException)) {
            String msg = String.valueOf(e.getMessage());
            if (msg.contains("Unable to load credentials")) {
                return new IOException("No S3 credentials for " + what + " of " + where + ": set AWS_ACCESS_KEY_ID and "
                        + "AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) in the environment.", e);
            }
            return new IOException("Network failure during " + what + " of " + where + " (retriable, retries "
                    + "exhausted): " + msg, e);
        }
        int status = status(e);
        String code = code(e);
        String detail = " (HTTP " + status + (code.isEmpty() ? "" : " " + code) + ")";
        if (isNoSuchBucket(e)) {
            NoSuchFileException n = new NoSuchFileException(name, null, "bucket " + bucket + " does not exist"
                    + detail + ". Create it, or initialize the repository with createBucket=true.");
            n.initCause(e);
            return n;
        }
        if (status == 404 || "NoSuchKey".equals(code)) {
            NoSuchFileException n = new NoSuchFileException(name, null, "no such object " + where + detail);
            n.initCause(e);
            return n;
        }
        if (status == 412) {
            FileAlreadyExistsException f = new FileAlreadyExistsException(name, null, "object " + where
                    + " already exists; objects are never overwritten" + detail);
            f.initCause(e);
            return f;
        }
        if (status == 416 || "InvalidRange".equals(code)) {
            EOFException eof = new EOFException("Range beyond the end of " + where + detail);
            eof.initCause(e);
            return eof;
        }
        if (status == 403 || "AccessDenied".equals(code) || "InvalidAccessKeyId".equals(code)
                || "SignatureDoesNotMatch".equals(code)) {
            return new IOException("Access denied during " + what + " of " + where + detail + ": check the credentials "
                    + "(AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE), the clock, and that the bucket policy "
                    + "allows s3:GetObject, s3:PutObject, s3:ListBucket and s3:DeleteObject on " + bucket + ".", e);
        }
        if (status == 301 || "PermanentRedirect".equals(code) || "AuthorizationHeaderMalformed".equals(code)) {
            return new IOException("Bucket " + bucket + " is in another region" + detail + ": set ?region= or AWS_REGION "
                    + "to the bucket's region.", e);
        }
        if (status == 501 || "NotImplemented".equals(code)) {
            return new IOException("The S3 server does not implement the " + what + " of " + where + detail + ": "
                    + e.getMessage(), e);
        }
        if (status == 429 || status >= 500 || e.retryable() || ((AwsServiceException) e).isThrottlingException()) {
            return new IOException("S3 " + what + " of " + where + " failed" + detail + " (retriable, retries "
                    + "exhausted): " + serverMessage(e), e);
        }
        return new IOException("S3 " + what + " of " + where + " was refused" + detail + ": " + serverMessage(e)
                + ". This will not change on retry: fix the request or the bucket's configuration.", e);
    }

    private static String serverMessage(SdkException e) {
        if (e instanceof AwsServiceException a && a.awsErrorDetails() != null
                && a.awsErrorDetails().errorMessage() != null) {
            return a.awsErrorDetails().errorMessage();
        }
        return String.valueOf(e.getMessage());
    }
}
