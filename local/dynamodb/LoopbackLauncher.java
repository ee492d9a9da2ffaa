import java.io.InputStream;
import java.lang.reflect.Field;

import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.AbstractNetworkConnector;
import org.eclipse.jetty.server.NetworkConnector;
import org.eclipse.jetty.server.Server;

import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

/**
 * Starts DynamoDB Local bound to 127.0.0.1 only.
 *
 * DynamoDB Local's CLI has no bind-address option and its Jetty server listens on all interfaces. This launcher
 * builds the server through DynamoDB Local's own ServerRunner (same argument parsing as the CLI), reads the private
 * Jetty {@code server} field, sets the host of every network connector to the loopback address, then starts it.
 *
 * Telemetry is never configured (ServerRunner.main would configure it; we do not call main), so nothing is sent.
 *
 * Protocol with the parent process:
 *  - accepts {@code -port 0} (which DynamoDB Local itself rejects) to listen on an ephemeral port;
 *  - prints {@code LOOPBACK_LAUNCHER_LISTENING <host> <port>} on stdout once Jetty is listening;
 *  - exits when its stdin reaches end-of-file, so it dies with its parent even if the parent crashed.
 *
 * Run with Java's single-file source launcher:
 *   java -Djava.library.path=DIR/DynamoDBLocal_lib -cp "DIR/DynamoDBLocal.jar:DIR/DynamoDBLocal_lib/*" \
 *        local/dynamodb/LoopbackLauncher.java -inMemory -port 0 -disableTelemetry
 */
public class LoopbackLauncher {
    public static void main(String[] args) throws Exception {
        String host = "127.0.0.1";

        Thread stdinWatcher = new Thread(() -> {
            try {
                InputStream in = System.in;
                byte[] buffer = new byte[256];
                while (in.read(buffer) != -1) {
                    // ignore whatever the parent writes; only end-of-file matters
                }
            } catch (Exception ignored) {
                // a broken pipe means the parent is gone too
            }
            Runtime.getRuntime().halt(0);
        }, "stdin-watcher");
        stdinWatcher.setDaemon(true);
        stdinWatcher.start();

        // DynamoDB Local rejects "-port 0"; accept it here to mean "an ephemeral port chosen by the OS", which lets
        // the parent avoid probe-then-bind races. The placeholder port given to DynamoDB Local is never bound.
        boolean ephemeral = false;
        String[] effectiveArgs = args.clone();
        for (int i = 0; i + 1 < effectiveArgs.length; i++) {
            if (effectiveArgs[i].equalsIgnoreCase("-port") && effectiveArgs[i + 1].equals("0")) {
                effectiveArgs[i + 1] = "8000";
                ephemeral = true;
            }
        }

        DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(effectiveArgs);
        if (proxy == null) {
            System.err.println("LoopbackLauncher: DynamoDB Local did not accept the arguments");
            System.exit(2);
        }
        Field field = DynamoDBProxyServer.class.getDeclaredField("server");
        field.setAccessible(true);
        Server server = (Server) field.get(proxy);

        int bound = 0;
        for (Connector connector : server.getConnectors()) {
            if (connector instanceof AbstractNetworkConnector network) {
                network.setHost(host);
                if (ephemeral) {
                    network.setPort(0);
                }
                bound++;
            }
        }
        if (bound == 0) {
            System.err.println("LoopbackLauncher: no network connector found on the Jetty server; refusing to start");
            System.exit(2);
        }

        server.start();

        for (Connector connector : server.getConnectors()) {
            if (connector instanceof NetworkConnector network) {
                System.out.println("LOOPBACK_LAUNCHER_LISTENING " + network.getHost() + " " + network.getLocalPort());
            }
        }
        System.out.flush();
        server.join();
    }
}
