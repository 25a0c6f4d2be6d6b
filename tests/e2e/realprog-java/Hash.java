// realprog java: four threads hash new arrays (identity hashes, computed in
// libjvm: ObjectSynchronizer::FastHashCode), then a null dereference the
// JVM turns into a NullPointerException through its SIGSEGV handler.
public class Hash {
	public static void main(String[] args) throws Exception {
		int n = Integer.parseInt(args[0]);
		Thread[] threads = new Thread[4];
		long[] sums = new long[threads.length];
		for (int k = 0; k < threads.length; k++) {
			final int slot = k;
			threads[k] = new Thread(() -> {
				long s = 0;
				for (int i = 0; i < n; i++)
					s += new int[4].hashCode() & 1;
				sums[slot] = s;
			});
			threads[k].start();
		}
		for (Thread t : threads)
			t.join();
		String none = args.length > 1 ? args[1] : null;
		try {
			System.out.println(none.length());
		} catch (NullPointerException e) {
			System.out.println("NullPointerException caught");
		}
		int odd = 0;
		for (long s : sums)
			odd += s > 0 ? 1 : 0;
		System.out.println(odd + " of " + threads.length + " threads hashed");
	}
}
