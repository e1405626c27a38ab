package io.oddsupdate.connect.s3;

import static io.oddsupdate.connect.s3.S3ParquetSinkConnector.*;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import org.apache.avro.Schema;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.StandardRetryStrategy;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;

/** The connector's config, parsed and checked once; builds the S3 client. */
final class SinkSettings extends AbstractConfig {

    final String bucket;
    final PathTemplate pathTemplate;
    final String leagueHeader;
    final Pattern leagueTopicRegex;
    final boolean timestampFromField;
    final String timestampField;
    final Schema schema;
    final int flushSize;
    final long rotateIntervalMs;
    final long rotateScheduleIntervalMs;
    final int maxOpenFiles;
    final long maxBufferedBytes;

    SinkSettings(Map<?, ?> props) {
        super(CONFIG_DEF, props, false);
        bucket = getString(BUCKET).trim();
        pathTemplate = new PathTemplate(PATH_TEMPLATE, getString(PATH_TEMPLATE), getString(PREFIX));
        leagueHeader = getString(LEAGUE_HEADER);
        try {
            leagueTopicRegex = Pattern.compile(getString(LEAGUE_TOPIC_REGEX));
        } catch (PatternSyntaxException e) {
            throw new ConfigException(LEAGUE_TOPIC_REGEX, getString(LEAGUE_TOPIC_REGEX), e.getDescription());
        }
        if (leagueTopicRegex.matcher("").groupCount() < 1) {
            throw new ConfigException(LEAGUE_TOPIC_REGEX, getString(LEAGUE_TOPIC_REGEX), "needs a capturing group for the league");
        }
        timestampFromField = "field".equals(getString(TIMESTAMP_SOURCE));
        timestampField = getString(TIMESTAMP_FIELD);
        try {
            schema = BronzeRecordConverter.loadSchema(getString(SCHEMA_VERSION));
        } catch (RuntimeException e) {
            throw new ConfigException(SCHEMA_VERSION, getString(SCHEMA_VERSION), e.getMessage());
        }
        if (timestampFromField && (schema.getField(timestampField) == null
                || BronzeRecordConverter.nonNull(schema.getField(timestampField).schema()).getType() != Schema.Type.LONG)) {
            throw new ConfigException(TIMESTAMP_FIELD, timestampField, "not a timestamp field of the bronze schema " + schema.getFullName());
        }
        flushSize = getInt(FLUSH_SIZE);
        rotateIntervalMs = getLong(ROTATE_INTERVAL_MS);
        rotateScheduleIntervalMs = getLong(ROTATE_SCHEDULE_INTERVAL_MS);
        maxOpenFiles = getInt(MAX_OPEN_FILES);
        maxBufferedBytes = getLong(MAX_BUFFERED_BYTES);
        if (!getString(SSE_KMS_KEY_ID).isBlank() && !"aws:kms".equals(getString(SSE))) {
            throw new ConfigException(SSE_KMS_KEY_ID, getString(SSE_KMS_KEY_ID), "only applies with " + SSE + "=aws:kms");
        }
        if (!getString(ACCESS_KEY_ID).isBlank() && getPassword(SECRET_ACCESS_KEY) == null) {
            throw new ConfigException(SECRET_ACCESS_KEY, "[hidden]", "is required when " + ACCESS_KEY_ID + " is set");
        }
        if (!getString(ENDPOINT).isBlank()) {
            try {
                URI.create(getString(ENDPOINT).trim()).toURL();
            } catch (Exception e) {
                throw new ConfigException(ENDPOINT, getString(ENDPOINT), "not a URL: " + e.getMessage());
            }
        }
    }

    S3ObjectUpload.Target target(S3Client s3) {
        ServerSideEncryption sse = switch (getString(SSE)) {
            case "AES256" -> ServerSideEncryption.AES256;
            case "aws:kms" -> ServerSideEncryption.AWS_KMS;
            default -> null;
        };
        String kmsKey = sse == ServerSideEncryption.AWS_KMS && !getString(SSE_KMS_KEY_ID).isBlank() ? getString(SSE_KMS_KEY_ID) : null;
        return new S3ObjectUpload.Target(s3, bucket, getLong(PART_SIZE), sse, kmsKey, getBoolean(CONDITIONAL_WRITES));
    }

    ParquetCodecs codecs() {
        return new ParquetCodecs(getInt(ZSTD_LEVEL));
    }

    /** An S3 client: the SDK's Apache HTTP client, standard retries with exponential backoff and jitter, no retry circuit breaker. */
    S3Client s3Client() {
        Duration base = Duration.ofMillis(getLong(RETRY_BACKOFF_MS));
        Duration max = Duration.ofMillis(Math.max(getLong(RETRY_BACKOFF_MAX_MS), getLong(RETRY_BACKOFF_MS)));
        // Without the circuit breaker an outage costs every request its full backoff instead of failing fast; Connect's
        // redelivery then keeps the task waiting for S3 rather than dying.
        StandardRetryStrategy retries = ((StandardRetryStrategy.Builder) AwsRetryStrategy.standardRetryStrategy().toBuilder())
                .maxAttempts(getInt(RETRY_MAX_ATTEMPTS))
                .backoffStrategy(BackoffStrategy.exponentialDelay(base, max))
                .throttlingBackoffStrategy(BackoffStrategy.exponentialDelay(base.multipliedBy(5), max))
                .circuitBreakerEnabled(false)
                .build();
        Duration timeout = Duration.ofMillis(getLong(REQUEST_TIMEOUT_MS));
        S3ClientBuilder b = S3Client.builder()
                .httpClientBuilder(ApacheHttpClient.builder().connectionTimeout(Duration.ofMillis(Math.min(10_000, timeout.toMillis())))
                        .socketTimeout(timeout))
                .overrideConfiguration(ClientOverrideConfiguration.builder().retryStrategy(retries).build())
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(getBoolean(PATH_STYLE)).build());
        if (!getString(REGION).isBlank()) {
            b.region(Region.of(getString(REGION).trim()));
        }
        if (!getString(ENDPOINT).isBlank()) {
            b.endpointOverride(URI.create(getString(ENDPOINT).trim()));
        }
        Password secret = getPassword(SECRET_ACCESS_KEY);
        if (!getString(ACCESS_KEY_ID).isBlank()) {
            b.credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(getString(ACCESS_KEY_ID).trim(), secret.value())));
        } else {
            b.credentialsProvider(DefaultCredentialsProvider.create());
        }
        return b.build();
    }
}
