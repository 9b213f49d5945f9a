package dev.dmsmlflow.tracking.artifacts;

import com.aliyun.oss.ClientException;
import com.aliyun.oss.common.auth.Credentials;
import com.aliyun.oss.common.auth.CredentialsProvider;
import com.aliyun.oss.common.auth.DefaultCredentials;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Temporary OSS credentials from a credentials endpoint (instance-service's {@code storage-credentials} for a tracking
 * server on Alibaba Cloud): the server presents its secret in {@value #SECRET_HEADER}, gets an STS key pair and token
 * scoped to its artifact root with their expiry, uses them until shortly before that expiry and then fetches new ones, so
 * a server runs for weeks on credentials that each live an hour at most. When the endpoint does not answer, credentials
 * that have not expired yet are used on; expired ones never are. Neither the secret nor the credentials are logged
 * ({@link #toString()} names the endpoint only).
 */
public final class EndpointCredentialsProvider implements CredentialsProvider {

    private static final Logger LOG = Logger.getLogger(EndpointCredentialsProvider.class);
    static final String SECRET_HEADER = "X-Dms-Storage-Secret";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI endpoint;
    private final String secret;
    private final Duration margin;
    private final Clock clock;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Credentials current;
    private Instant expiresAt = Instant.MIN;
    private Instant refreshAt = Instant.MIN;

    public EndpointCredentialsProvider(URI endpoint, String secret, Duration margin, Clock clock) {
        if (secret == null || secret.isBlank()) {
            throw new IllegalArgumentException("dms.tracking.oss.credentials-secret is required with dms.tracking.oss.credentials-url");
        }
        this.endpoint = endpoint;
        this.secret = secret;
        this.margin = margin;
        this.clock = clock;
    }

    @Override
    public synchronized void setCredentials(Credentials credentials) {
        current = credentials;
    }

    @Override
    public synchronized Credentials getCredentials() {
        Instant now = clock.instant();
        if (current == null || !now.isBefore(refreshAt)) {
            try {
                fetch(now);
            } catch (IOException e) {
                if (current != null && now.isBefore(expiresAt)) {
                    LOG.warnf("could not renew the OSS credentials from %s (%s); the current ones are valid until %s", endpoint,
                            e.getMessage(), expiresAt);
                    return current;
                }
                throw new ClientException("no valid OSS credentials: " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ClientException("interrupted while fetching OSS credentials", e);
            }
        }
        return current;
    }

    private void fetch(Instant now) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(10)).header(SECRET_HEADER, secret)
                .header("Accept", "application/json").GET().build();
        HttpResponse<byte[]> answer = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        if (answer.statusCode() != 200) {
            throw new IOException("the credentials endpoint " + endpoint + " answered " + answer.statusCode());
        }
        JsonNode body;
        try {
            body = JSON.readTree(answer.body());
        } catch (IOException e) {
            throw new IOException("the credentials endpoint " + endpoint + " answered no JSON");
        }
        String id = body.path("AccessKeyId").asText("");
        String key = body.path("AccessKeySecret").asText("");
        String token = body.path("SecurityToken").asText("");
        Instant expiry;
        try {
            expiry = Instant.parse(body.path("Expiration").asText(""));
        } catch (RuntimeException e) {
            throw new IOException("the credentials endpoint " + endpoint + " answered no Expiration");
        }
        if (id.isEmpty() || key.isEmpty() || !expiry.isAfter(now)) {
            throw new IOException("the credentials endpoint " + endpoint + " answered no usable credentials");
        }
        Duration life = Duration.between(now, expiry);
        Duration early = margin.compareTo(life.dividedBy(2)) < 0 ? margin : life.dividedBy(2);
        current = new DefaultCredentials(id, key, token.isEmpty() ? null : token);
        expiresAt = expiry;
        refreshAt = expiry.minus(early);
        LOG.infof("OSS credentials from %s, valid until %s, renewed from %s", endpoint, expiresAt, refreshAt);
    }

    @Override
    public String toString() {
        return "EndpointCredentialsProvider[" + endpoint + "]";
    }
}
