package io.oddsupdate.connect.smt;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;

import io.oddsupdate.connect.common.FieldPath;
import io.oddsupdate.connect.common.Payload;
import io.oddsupdate.connect.common.PayloadException;
import io.oddsupdate.connect.common.PayloadTransformation;

/**
 * Sets the record key to the game id found in the value, so that all of a game's events are keyed alike and (with
 * {@code partition.by.key}) land in one partition.
 */
public class CanonicalKey<R extends ConnectRecord<R>> extends PayloadTransformation<R> {

    public static final String OVERVIEW_DOC = "Sets the record key to the game id read from the value (a Struct, a"
            + " schemaless Map, JSON bytes as MirrorMaker hands them over, or Glue-Avro bytes read with this transform's own"
            + " <code>glue.*</code> settings), trying <code>game.id.paths</code> in order."
            + " For a bytes value the key is bytes too (UTF-8 of the id, or a JSON object for <code>key.type=struct</code>),"
            + " so MirrorMaker's ByteArrayConverter can write it; for a Struct or Map value it is a String (STRING schema)"
            + " or a Struct/Map with one field <code>game_id</code>. A value without a game id, or with a non-scalar one, is"
            + " dead-lettered (<code>dlq.topic</code>) or fails. Tombstones pass untouched.";

    public static final String GAME_ID_PATHS_CONFIG = "game.id.paths";
    public static final String KEY_TYPE_CONFIG = "key.type";
    public static final String PARTITION_BY_KEY_CONFIG = "partition.by.key";

    public static final String KEY_TYPE_STRING = "string";
    public static final String KEY_TYPE_STRUCT = "struct";
    /** The field of a {@code key.type=struct} key. */
    public static final String KEY_FIELD = "game_id";

    public static final ConfigDef CONFIG_DEF = define(new ConfigDef()
            .define(GAME_ID_PATHS_CONFIG, ConfigDef.Type.LIST, "game_id,gameId,game.id", FieldPath.validList(false),
                    ConfigDef.Importance.HIGH, "Dotted paths in the value to read the game id from, tried in order;"
                            + " the first present and non-null one wins. The id must be a string or an integer.")
            .define(KEY_TYPE_CONFIG, ConfigDef.Type.STRING, KEY_TYPE_STRING,
                    ConfigDef.CaseInsensitiveValidString.in(KEY_TYPE_STRING, KEY_TYPE_STRUCT), ConfigDef.Importance.MEDIUM,
                    "'string': the key is the id itself; 'struct': an object with one field 'game_id'.")
            .define(PARTITION_BY_KEY_CONFIG, ConfigDef.Type.BOOLEAN, true, ConfigDef.Importance.HIGH,
                    "Clear the record's partition so the producer partitions by the new key and one game's events share a"
                            + " partition. MirrorMaker otherwise keeps the upstream partition, which the vendor chose by its own"
                            + " key. Consequence for MirrorMaker: a record no longer sits in the partition with the upstream"
                            + " number, so its offset syncs (and the consumer-group offsets the checkpoint connector translates"
                            + " from them) pair an upstream partition with offsets of other downstream partitions; do not rely"
                            + " on translated group offsets for these topics (consumers should resume from their own offsets on"
                            + " the target cluster, or by timestamp)."));

    private static final Schema KEY_STRUCT_SCHEMA = SchemaBuilder.struct().name("io.oddsupdate.GameKey")
            .field(KEY_FIELD, Schema.STRING_SCHEMA).build();

    private List<FieldPath> paths;
    private boolean structKey;
    private boolean partitionByKey;

    @Override
    protected void configure(AbstractConfig config) {
        paths = FieldPath.parseAll(GAME_ID_PATHS_CONFIG, config.getList(GAME_ID_PATHS_CONFIG));
        structKey = KEY_TYPE_STRUCT.equalsIgnoreCase(config.getString(KEY_TYPE_CONFIG));
        partitionByKey = config.getBoolean(PARTITION_BY_KEY_CONFIG);
    }

    @Override
    protected R transform(R record, Payload payload) {
        String gameId = gameId(payload.firstScalar(paths), payload);
        Schema keySchema;
        Object key;
        if (payload.isBytes()) {
            // MirrorMaker writes keys with ByteArrayConverter, which accepts bytes only
            keySchema = record.valueSchema() == null ? null : Schema.BYTES_SCHEMA;
            key = structKey ? payloads().encodeJson(Map.of(KEY_FIELD, gameId)) : gameId.getBytes(StandardCharsets.UTF_8);
        } else if (record.valueSchema() != null) {
            keySchema = structKey ? KEY_STRUCT_SCHEMA : Schema.STRING_SCHEMA;
            key = structKey ? new Struct(KEY_STRUCT_SCHEMA).put(KEY_FIELD, gameId) : gameId;
        } else {
            keySchema = null;
            key = structKey ? Map.of(KEY_FIELD, gameId) : gameId;
        }
        return record.newRecord(record.topic(), partitionByKey ? null : record.kafkaPartition(), keySchema, key,
                record.valueSchema(), record.value(), record.timestamp());
    }

    private String gameId(Object id, Payload payload) {
        if (id == null) {
            throw new PayloadException(paths.get(0).toString(), "no game id in the " + payload.form() + " value at any of "
                    + GAME_ID_PATHS_CONFIG + "=" + paths);
        }
        if (id instanceof String) {
            if (((String) id).isEmpty()) {
                throw new PayloadException(null, "the game id is an empty string (" + GAME_ID_PATHS_CONFIG + "=" + paths + ")");
            }
            return (String) id;
        }
        if (id instanceof Long || id instanceof Integer || id instanceof Short || id instanceof Byte || id instanceof BigInteger) {
            return id.toString();
        }
        throw new PayloadException(null, "the game id must be a string or an integer but is " + id + " ("
                + GAME_ID_PATHS_CONFIG + "=" + paths + ")");
    }

    @Override
    public ConfigDef config() {
        return CONFIG_DEF;
    }
}
