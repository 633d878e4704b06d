/**
 * A hang guard for the test programs: exit 3 ("timeout" on stderr) after the given time.
 * Not a time limit on the work (a loaded CI machine may need tens of seconds for a
 * handshake): it only keeps a stuck program from outliving the test that started it.
 */
final class HangGuard {
    /** The test process waits up to 300 s for a program. */
    static final int MILLIS = 240_000;

    private HangGuard() {}

    static void start() {
        Thread watchdog = new Thread(() -> {
            try { Thread.sleep(MILLIS); } catch (InterruptedException e) { return; }
            System.err.println("timeout");
            System.exit(3);
        });
        watchdog.setDaemon(true);
        watchdog.start();
    }
}
