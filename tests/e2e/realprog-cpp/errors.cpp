#include "parts.h"
#include <stdexcept>
struct odd_error : std::runtime_error {
	using std::runtime_error::runtime_error;
};
static void check(int i)
{
	if (i % 2)
		throw odd_error("odd " + std::to_string(i));
	if (i % 5 == 0)
		throw std::out_of_range("fifth");
}
int caught_errors(int n)
{
	int c = 0;
	for (int i = 0; i < n; i++) {
		try {
			check(i);
		} catch (const odd_error &e) {
			c += 1;
		} catch (const std::exception &e) {
			c += 100;
		}
	}
	return c;
}
