// Does not compile: `make broken` fails, traced as untraced.
int broken()
{
	return missing_name;
}
