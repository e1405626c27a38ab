package io.oddsupdate.connect.common.glue;

import java.util.UUID;

import org.apache.avro.Schema;

/**
 * Schema version ids for the Glue wire format: Glue Schema Registry itself ({@link GlueRegistry}) or the repo's
 * schema files ({@link RepoSchemaRegistry}). Callers cache; implementations may call a remote registry.
 *
 * <p>Failures are {@link SchemaRejectedException} when the registry refuses (unknown schema with auto-registration off,
 * incompatible new version, unknown version id): the record goes to the dead-letter route with the reason. Failures
 * to reach the registry are {@link org.apache.kafka.connect.errors.RetriableException}: the task retries, nothing is lost.
 */
public interface SchemaRegistry extends AutoCloseable {

    /** The version id of {@code schema} under the registry schema {@code schemaName}, registering it when allowed. */
    UUID versionId(String schemaName, Schema schema);

    /** The writer schema of a version id. */
    Schema schema(UUID versionId);

    @Override
    void close();
}
