package io.oddsupdate.connect.testkit;

import java.util.concurrent.TimeUnit;

/** Stopping the JVMs and servers the tests start as child processes, so none outlives a test run. */
public final class ChildProcesses {

    private ChildProcesses() {
    }

    /** Asks the process to stop, and kills it when it has not within {@code graceSeconds}. */
    public static void stop(Process process, long graceSeconds) {
        process.destroy();
        await(process, graceSeconds);
    }

    /** Waits up to {@code graceSeconds} for a process already asked to stop, then kills it. */
    public static void await(Process process, long graceSeconds) {
        try {
            if (!process.waitFor(graceSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    /** Removes a shutdown hook that kills the processes; when the JVM is already shutting down the hook runs anyway. */
    public static void removeShutdownHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs anyway
        }
    }
}
