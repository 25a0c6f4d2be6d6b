#include "parts.h"
#include <map>
#include <sstream>
std::string describe(int i)
{
	static const std::map<int, std::string> names{{0, "zero"}, {1, "one"}, {2, "two"}};
	std::ostringstream o;
	auto it = names.find(i % 3);
	o << i << ":" << it->second;
	return o.str();
}
