#include "parts.h"
#include <array>
template <typename T, int N> struct Matrix {
	std::array<T, N * N> a{};
	Matrix operator*(const Matrix &o) const
	{
		Matrix r;
		for (int i = 0; i < N; i++)
			for (int j = 0; j < N; j++) {
				T s{};
				for (int k = 0; k < N; k++)
					s += a[i * N + k] * o.a[k * N + j];
				r.a[i * N + j] = s;
			}
		return r;
	}
	T trace() const
	{
		T s{};
		for (int i = 0; i < N; i++)
			s += a[i * N + i];
		return s;
	}
};
std::string matrix_trace(int n)
{
	Matrix<double, 8> m;
	Matrix<long, 8> l;
	for (int i = 0; i < 64; i++) {
		m.a[i] = (i % 7) * 0.5;
		l.a[i] = i % 5;
	}
	Matrix<double, 8> r = m;
	Matrix<long, 8> q = l;
	for (int i = 0; i < n; i++) {
		r = r * m;
		q = q * l;
	}
	return std::to_string(r.trace() > 0) + " " + std::to_string(q.trace());
}
