package io.oddsupdate.connect.common.glue;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.avro.Schema;
import org.apache.kafka.connect.errors.RetriableException;

import com.amazonaws.services.schemaregistry.common.AWSSchemaRegistryClient;
import com.amazonaws.services.schemaregistry.common.configs.GlueSchemaRegistryConfiguration;
import com.amazonaws.services.schemaregistry.utils.AWSSchemaRegistryConstants;

import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.glue.GlueClient;
import software.amazon.awssdk.services.glue.GlueClientBuilder;
import software.amazon.awssdk.services.glue.model.EntityNotFoundException;
import software.amazon.awssdk.services.glue.model.GetSchemaResponse;
import software.amazon.awssdk.services.glue.model.SchemaId;
import software.amazon.awssdk.services.glue.model.SchemaVersionNumber;

/**
 * AWS Glue Schema Registry through the AWS library's own client ({@link AWSSchemaRegistryClient}: GetSchemaByDefinition,
 * CreateSchema, RegisterSchemaVersion with its wait for AVAILABLE, GetSchemaVersion).
 *
 * <p>Before auto-registering a new version it reads the schema's compatibility mode and earlier versions (GetSchema,
 * GetSchemaVersion) and checks them with {@link Compatibility}: Glue runs the same check server-side, but refusing here
 * gives the dead-letter record a precise reason, and it is the check that runs against emulators that skip it.
 */
public final class GlueRegistry implements SchemaRegistry {

    private static final String AVRO = "AVRO";

    private final GlueSettings settings;
    private final AWSSchemaRegistryClient registry;
    private final GlueClient glue;

    public GlueRegistry(GlueSettings settings) {
        this.settings = settings;
        // Region is required by the SDK even with an endpoint override (it signs requests for it).
        String region = settings.region.isEmpty() ? "us-east-1" : settings.region;
        Map<String, Object> config = new HashMap<>();
        config.put(AWSSchemaRegistryConstants.AWS_REGION, region);
        if (!settings.endpoint.isEmpty()) {
            config.put(AWSSchemaRegistryConstants.AWS_ENDPOINT, settings.endpoint);
        }
        config.put(AWSSchemaRegistryConstants.REGISTRY_NAME, settings.registry);
        config.put(AWSSchemaRegistryConstants.COMPATIBILITY_SETTING, settings.compatibility);
        config.put(AWSSchemaRegistryConstants.DATA_FORMAT, AVRO);
        DefaultCredentialsProvider credentials = DefaultCredentialsProvider.create();
        this.registry = new AWSSchemaRegistryClient(credentials, new GlueSchemaRegistryConfiguration(config));
        GlueClientBuilder builder = GlueClient.builder()
                .credentialsProvider(credentials)
                .httpClient(UrlConnectionHttpClient.create())
                .region(Region.of(region));
        if (!settings.endpoint.isEmpty()) {
            builder.endpointOverride(URI.create(settings.endpoint));
        }
        this.glue = builder.build();
    }

    @Override
    public UUID versionId(String schemaName, Schema schema) {
        String definition = schema.toString();
        try {
            return registry.getSchemaVersionIdByDefinition(definition, schemaName, AVRO);
        } catch (RuntimeException e) {
            if (!notFound(e)) {
                throw classify(e, "looking up schema '" + schemaName + "' by definition");
            }
        }
        if (!settings.autoRegistration) {
            throw new SchemaRejectedException("schema " + schema.getFullName() + " is not registered under '" + schemaName
                    + "' in Glue registry '" + settings.registry + "' and " + GlueSettings.AUTO_REGISTRATION_CONFIG + "=false");
        }
        return register(schemaName, schema, definition);
    }

    private UUID register(String schemaName, Schema schema, String definition) {
        GetSchemaResponse existing;
        try {
            existing = glue.getSchema(r -> r.schemaId(id(schemaName)));
        } catch (EntityNotFoundException e) {
            try {
                return registry.createSchema(schemaName, AVRO, definition, Map.of());
            } catch (RuntimeException ce) {
                throw classify(ce, "creating schema '" + schemaName + "'");
            }
        } catch (RuntimeException e) {
            throw classify(e, "reading schema '" + schemaName + "'");
        }
        String mode = existing.compatibilityAsString();
        List<Schema> earlier = earlierVersions(schemaName, mode, existing.latestSchemaVersion());
        String problem = Compatibility.check(mode, schema, earlier);
        if (problem != null) {
            throw new SchemaRejectedException("Glue registry '" + settings.registry + "' schema '" + schemaName + "' is "
                    + mode + "; the new version of " + schema.getFullName() + " is " + problem);
        }
        try {
            return registry.registerSchemaVersion(definition, schemaName, AVRO, Map.of());
        } catch (RuntimeException e) {
            throw classify(e, "registering a new version of '" + schemaName + "'");
        }
    }

    /** Oldest first: every version for the *_ALL modes, else only the latest. */
    private List<Schema> earlierVersions(String schemaName, String mode, Long latest) {
        List<Schema> versions = new ArrayList<>();
        if (latest == null || mode == null || mode.equals("NONE") || mode.equals("DISABLED")) {
            return versions;
        }
        long from = mode.endsWith("_ALL") ? 1 : latest;
        for (long n = from; n <= latest; n++) {
            long number = n;
            try {
                String def = glue.getSchemaVersion(r -> r.schemaId(id(schemaName))
                        .schemaVersionNumber(SchemaVersionNumber.builder().versionNumber(number).build())).schemaDefinition();
                versions.add(new Schema.Parser().parse(def));
            } catch (EntityNotFoundException deleted) {
                // a deleted version no longer constrains new ones
            } catch (RuntimeException e) {
                throw classify(e, "reading version " + number + " of '" + schemaName + "'");
            }
        }
        return versions;
    }

    @Override
    public Schema schema(UUID versionId) {
        String definition;
        try {
            definition = registry.getSchemaVersionResponse(versionId.toString()).schemaDefinition();
        } catch (RuntimeException e) {
            if (notFound(e)) {
                throw new SchemaRejectedException("schema version id " + versionId + " is unknown to Glue (" + settings + ")", e);
            }
            throw classify(e, "fetching schema version " + versionId);
        }
        return new Schema.Parser().parse(definition);
    }

    private SchemaId id(String schemaName) {
        return SchemaId.builder().registryName(settings.registry).schemaName(schemaName).build();
    }

    private static boolean notFound(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof EntityNotFoundException) {
                return true;
            }
        }
        return false;
    }

    /** Throttling, 5xx and network trouble are retried by the task; anything else the registry said is a rejection. */
    private RuntimeException classify(RuntimeException e, String doing) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof AwsServiceException ase) {
                if (ase.isThrottlingException() || ase.statusCode() >= 500) {
                    return new RetriableException("Glue (" + settings + ") unavailable while " + doing + ": " + ase.getMessage(), e);
                }
                return new SchemaRejectedException("Glue (" + settings + ") refused " + doing + ": " + ase.getMessage(), e);
            }
            if (t instanceof SdkClientException) {
                return new RetriableException("cannot reach Glue (" + settings + ") while " + doing + ": " + t.getMessage(), e);
            }
        }
        return new SchemaRejectedException("Glue (" + settings + ") failed " + doing + ": " + e.getMessage(), e);
    }

    /** Closes the Glue client (each plugin instance owns its registry). */
    @Override
    public void close() {
        glue.close();
    }
}
