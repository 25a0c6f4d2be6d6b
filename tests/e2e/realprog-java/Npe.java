// realprog java-npe: four pool threads call a method on arrays that are
// null one time in three, millions of times: compiled code reads the
// array's length without a test of its own, and the JVM's SIGSEGV handler
// turns the fault into a NullPointerException (an implicit null check:
// 30,000 SIGSEGVs a run under strace); the arrays allocated are kept in a
// window of 1000. Then eight named threads build strings. Prints the
// counts; exits with a status computed from them (3 to 10).
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

public class Npe {
	static int[] maybe(int i) {
		return (i % 3 == 0) ? null : new int[(i % 64) + 1];
	}

	static long[] work(int id, int n) {
		long caught = 0, sum = 0;
		List<int[]> keep = new ArrayList<>();
		for (int i = 0; i < n; i++) {
			int[] a = maybe(i + id);
			try {
				sum += a.length;
				a[0] = i;
				if (keep.size() < 1000)
					keep.add(a);
				else
					keep.set(i % 1000, a);
			} catch (NullPointerException e) {
				caught++;
			}
		}
		return new long[] {caught, sum};
	}

	public static void main(String[] args) throws Exception {
		int threads = Integer.parseInt(args[0]), n = Integer.parseInt(args[1]);
		ExecutorService pool = Executors.newFixedThreadPool(threads);
		List<Future<long[]>> fs = new ArrayList<>();
		for (int t = 0; t < threads; t++) {
			final int id = t;
			fs.add(pool.submit(() -> work(id, n)));
		}
		long caught = 0, sum = 0;
		for (Future<long[]> f : fs) {
			long[] r = f.get();
			caught += r[0];
			sum += r[1];
		}
		pool.shutdown();
		Thread[] ts = new Thread[8];
		final int[] hashes = new int[ts.length];
		for (int i = 0; i < ts.length; i++) {
			final int k = i;
			ts[i] = new Thread(() -> {
				StringBuilder sb = new StringBuilder();
				for (int j = 0; j < 20000 + k; j++)
					sb.append(j % 10);
				hashes[k] = sb.toString().hashCode();
			}, "worker-" + i);
			ts[i].start();
		}
		long h = 0;
		for (int i = 0; i < ts.length; i++) {
			ts[i].join();
			h = h * 31 + hashes[i];
		}
		System.out.println("NullPointerExceptions caught: " + caught);
		System.out.println("array lengths: " + sum + ", strings: " + h);
		System.exit((int) ((caught + sum + h) & 7) + 3);
	}
}
