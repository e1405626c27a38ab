package io.oddsupdate.connect.common.glue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;

/**
 * The local registry: the repo's schema files ({@link RepoSchemas}) on the class path. A schema is known when its
 * parsing canonical form equals a released {@code schemas/<name>/vN.avsc}; its version id is that file's deterministic
 * id, so every task decodes what any other task encoded, with no registry and no AWS. Registry schema names are not
 * used: the repo's CI gate already holds every version compatible with the previous one.
 */
public final class RepoSchemaRegistry implements SchemaRegistry {

    private final Map<String, UUID> idsByCanonicalForm = new HashMap<>();
    private final Map<UUID, Schema> schemasById = new HashMap<>();

    public RepoSchemaRegistry() {
        for (List<RepoSchemas.Version> versions : RepoSchemas.all().values()) {
            for (RepoSchemas.Version v : versions) {
                idsByCanonicalForm.put(SchemaNormalization.toParsingForm(v.schema()), v.localVersionId());
                schemasById.put(v.localVersionId(), v.schema());
            }
        }
    }

    @Override
    public UUID versionId(String schemaName, Schema schema) {
        UUID id = idsByCanonicalForm.get(SchemaNormalization.toParsingForm(schema));
        if (id == null) {
            throw new SchemaRejectedException("schema " + schema.getFullName() + " for '" + schemaName
                    + "' is not one of the repo's released schemas (schemas/<name>/vN.avsc); the local registry registers nothing");
        }
        return id;
    }

    @Override
    public Schema schema(UUID versionId) {
        Schema schema = schemasById.get(versionId);
        if (schema == null) {
            throw new SchemaRejectedException("unknown schema version id " + versionId + " (not a repo schema: written "
                    + "against AWS Glue? set glue.region to read it)");
        }
        return schema;
    }

    @Override
    public void close() {
    }
}
