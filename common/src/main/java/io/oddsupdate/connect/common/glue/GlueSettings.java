package io.oddsupdate.connect.common.glue;

import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;

/**
 * Where schema version ids come from: AWS Glue Schema Registry, or (no region and no endpoint set) the repo's schema
 * files shipped on the class path, with deterministic version ids and the same wire format. The same keys for every
 * transform and for {@link GlueAvroConverter}, each instance with its own settings and its own registry client.
 *
 * <p>Credentials are never configured here: the AWS SDK's default chain finds the MSK Connect service execution role.
 */
public final class GlueSettings {

    public static final String REGION_CONFIG = "glue.region";
    public static final String ENDPOINT_CONFIG = "glue.endpoint";
    public static final String REGISTRY_CONFIG = "glue.registry.name";
    public static final String AUTO_REGISTRATION_CONFIG = "glue.schema.auto.registration";
    public static final String COMPATIBILITY_CONFIG = "glue.schema.compatibility";

    static final String[] MODES = {"NONE", "DISABLED", "BACKWARD", "BACKWARD_ALL", "FORWARD", "FORWARD_ALL", "FULL", "FULL_ALL"};

    /** The registry keys, to be added to a plugin's own {@link ConfigDef}. */
    public static ConfigDef addTo(ConfigDef def) {
        return def
            .define(REGION_CONFIG, Type.STRING, "", Importance.HIGH,
                    "AWS region of the Glue Schema Registry, e.g. eu-west-1. Leave empty (and glue.endpoint empty) to use the "
                    + "repo's schema files on the plugin's class path instead of Glue: same wire format, deterministic version ids, no AWS.")
            .define(ENDPOINT_CONFIG, Type.STRING, "", Importance.LOW,
                    "Glue API endpoint override, e.g. a VPC interface endpoint URL; empty means the region's public endpoint.")
            .define(REGISTRY_CONFIG, Type.STRING, "odds-update", new ConfigDef.NonEmptyString(), Importance.HIGH,
                    "Glue registry that holds the schemas.")
            .define(AUTO_REGISTRATION_CONFIG, Type.BOOLEAN, false, Importance.MEDIUM,
                    "Register the schema (or a new version of it) when the registry does not have it yet. Keep false in "
                    + "production: schemas are registered by the release, and a record whose schema is unknown is dead-lettered. "
                    + "When true, a new version is first checked against the registry's compatibility mode and refused if it breaks it.")
            .define(COMPATIBILITY_CONFIG, Type.STRING, "BACKWARD", ConfigDef.ValidString.in(MODES), Importance.LOW,
                    "Compatibility mode of a schema created by auto-registration (an existing schema keeps its own).");
    }

    public final String region;
    public final String endpoint;
    public final String registry;
    public final boolean autoRegistration;
    public final String compatibility;

    public GlueSettings(AbstractConfig config) {
        this(config.getString(REGION_CONFIG), config.getString(ENDPOINT_CONFIG), config.getString(REGISTRY_CONFIG),
             config.getBoolean(AUTO_REGISTRATION_CONFIG), config.getString(COMPATIBILITY_CONFIG));
    }

    public GlueSettings(String region, String endpoint, String registry, boolean autoRegistration, String compatibility) {
        this.region = region == null ? "" : region.trim();
        this.endpoint = endpoint == null ? "" : endpoint.trim();
        this.registry = registry;
        this.autoRegistration = autoRegistration;
        this.compatibility = compatibility;
    }

    /** Settings for the repo-file registry (no AWS). */
    public static GlueSettings local() {
        return new GlueSettings("", "", "odds-update", false, "BACKWARD");
    }

    /** True when neither a region nor an endpoint is set: the repo's schema files are the registry. */
    public boolean isLocal() {
        return region.isEmpty() && endpoint.isEmpty();
    }

    /** The registry these settings point at. */
    public SchemaRegistry open() {
        return isLocal() ? new RepoSchemaRegistry() : new GlueRegistry(this);
    }

    @Override
    public String toString() {
        return isLocal() ? "repo schema files (no Glue region/endpoint set)"
                         : "Glue registry '" + registry + "' (" + (endpoint.isEmpty() ? region : endpoint) + ")";
    }
}
