package io.oddsupdate.connect.common;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;

/**
 * A connector's checks that span keys (a template against a prefix, a mapping against a URL), added to Connect's REST
 * validation on the key they concern, so that {@code PUT /connector-plugins/.../config/validate} and CreateConnector
 * report them where a user looks instead of failing the connector at start.
 */
public final class CrossKeyValidation {

    /** How {@link ConfigException} names the key: "Invalid value v for configuration k: reason". */
    private static final Pattern INVALID_KEY = Pattern.compile("for configuration ([^:\\s]+)");

    private CrossKeyValidation() {
    }

    /**
     * When every key is valid alone, runs {@code check} (which parses the whole config and throws a ConfigException
     * naming the key at fault) and adds its message to that key's value, else to the first value.
     */
    public static Config validate(Config config, Runnable check) {
        for (ConfigValue value : config.configValues()) {
            if (!value.errorMessages().isEmpty()) {
                return config;
            }
        }
        try {
            check.run();
        } catch (ConfigException e) {
            Matcher m = INVALID_KEY.matcher(String.valueOf(e.getMessage()));
            String key = m.find() ? m.group(1) : null;
            for (ConfigValue value : config.configValues()) {
                if (value.name().equals(key)) {
                    value.addErrorMessage(e.getMessage());
                    return config;
                }
            }
            config.configValues().get(0).addErrorMessage(e.getMessage());
        }
        return config;
    }
}
